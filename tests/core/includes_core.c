/* The control for includes_sys.c: the same compile of a core header works. */
#include "util.h"

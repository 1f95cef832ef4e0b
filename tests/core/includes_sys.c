/* Compiled with dm/core's include path by the core_include_rule test, which
 * expects it to fail: a pure file cannot reach a side-effect header. */
#include "scrub_apply.h"

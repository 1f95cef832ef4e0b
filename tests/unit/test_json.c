/* dm/core/json.c, the launcher's JSON writer, read back with json-glib's parser. */
#include <criterion/criterion.h>
#include <json-glib/json-glib.h>

#include "json.h"

static JsonNode *
parse(const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  cr_assert(json_parser_load_from_data(parser, text, -1, &error), "%s: %s", text,
            error ? error->message : "");
  return json_node_copy(json_parser_get_root(parser));
}

static char *
one_string(const char *value, gboolean pretty)
{
  g_autoptr(DmJson) j = dm_json_new(pretty);
  dm_json_begin_array(j);
  dm_json_string(j, value);
  dm_json_end_array(j);
  return dm_json_finish(j);
}

Test(json, strings_round_trip_with_every_escape)
{
  const char *values[] = { "",         "plain", "a\"b",         "back\\slash", "tab\there",
                           "nl\ncr\r", "\b\f",  "\x01\x1f\x7f", "é ünïcødé €", "/local/domain/0" };
  for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
    for (int pretty = 0; pretty <= 1; pretty++) {
      g_autofree char *text = one_string(values[i], pretty);
      g_autoptr(JsonNode) root = parse(text);
      JsonArray *a = json_node_get_array(root);
      cr_assert_eq(json_array_get_length(a), 1);
      cr_assert_str_eq(json_array_get_string_element(a, 0), values[i], "%s", text);
    }
  }
}

/* A guest's C1 and bidi controls: escaped so that the document shown raw
 * cannot drive a terminal, and the value read back unchanged. */
Test(json, c1_bidi_and_separators_are_escaped_and_kept)
{
  const char *value = "a\xc2\x9b"
                      "31m\xc2\x9d\xe2\x80\xae"
                      "b\xe2\x81\xa6\xe2\x80\xa8"
                      "\xd8\x9c\xe2\x80\x8f"
                      "c\xc2\xa0\xc3\xa9";
  g_autofree char *text = one_string(value, FALSE);
  cr_assert_str_eq(text, "[\"a\\u009b31m\\u009d\\u202eb\\u2066\\u2028\\u061c\\u200fc"
                         "\xc2\xa0\xc3\xa9\"]");
  g_autoptr(JsonNode) root = parse(text);
  cr_assert_str_eq(json_array_get_string_element(json_node_get_array(root), 0), value);
}

Test(json, invalid_utf8_becomes_replacement_character)
{
  g_autofree char *text = one_string("/img/caf\xe9.vhd", FALSE);
  cr_assert(g_utf8_validate(text, -1, NULL));
  g_autoptr(JsonNode) root = parse(text);
  cr_assert_str_eq(json_array_get_string_element(json_node_get_array(root), 0),
                   "/img/caf\xef\xbf\xbd.vhd");
}

Test(json, nested_containers_members_and_scalars)
{
  for (int pretty = 0; pretty <= 1; pretty++) {
    g_autoptr(DmJson) j = dm_json_new(pretty);
    dm_json_begin_object(j);
    dm_json_member(j, "n");
    dm_json_int(j, G_MININT64);
    dm_json_member(j, "big");
    dm_json_int(j, G_MAXINT64);
    dm_json_member(j, "t");
    dm_json_bool(j, TRUE);
    dm_json_member(j, "f");
    dm_json_bool(j, FALSE);
    dm_json_member(j, "none");
    dm_json_string(j, NULL);
    dm_json_member(j, "empty_a");
    dm_json_begin_array(j);
    dm_json_end_array(j);
    dm_json_member(j, "empty_o");
    dm_json_begin_object(j);
    dm_json_end_object(j);
    dm_json_member(j, "list");
    dm_json_begin_array(j);
    dm_json_int(j, 1);
    dm_json_begin_object(j);
    dm_json_member(j, "k\"ey");
    dm_json_null(j);
    dm_json_end_object(j);
    dm_json_string(j, "x");
    dm_json_end_array(j);
    dm_json_end_object(j);
    g_autofree char *text = dm_json_finish(j);

    g_autoptr(JsonNode) root = parse(text);
    JsonObject *o = json_node_get_object(root);
    cr_assert_eq(json_object_get_size(o), 8, "%s", text);
    cr_assert_eq(json_object_get_int_member(o, "n"), G_MININT64);
    cr_assert_eq(json_object_get_int_member(o, "big"), G_MAXINT64);
    cr_assert(json_object_get_boolean_member(o, "t"));
    cr_assert_not(json_object_get_boolean_member(o, "f"));
    cr_assert(json_object_get_null_member(o, "none"));
    cr_assert_eq(json_array_get_length(json_object_get_array_member(o, "empty_a")), 0);
    cr_assert_eq(json_object_get_size(json_object_get_object_member(o, "empty_o")), 0);
    JsonArray *list = json_object_get_array_member(o, "list");
    cr_assert_eq(json_array_get_length(list), 3);
    cr_assert_eq(json_array_get_int_element(list, 0), 1);
    cr_assert(json_object_get_null_member(json_array_get_object_element(list, 1), "k\"ey"));
    cr_assert_str_eq(json_array_get_string_element(list, 2), "x");
    /* Compact output is one line; pretty output is indented lines. */
    cr_assert_eq(strchr(text, '\n') != NULL, pretty, "%s", text);
  }
}

Test(json, member_helpers_write_null_for_what_is_absent)
{
  g_autoptr(DmJson) j = dm_json_new(FALSE);
  dm_json_begin_object(j);
  dm_json_member_string(j, "s", "v");
  dm_json_member_string(j, "s_null", NULL);
  dm_json_member_int(j, "i", 42, TRUE);
  dm_json_member_int(j, "i_absent", 42, FALSE);
  dm_json_member_bool(j, "b", TRUE);
  dm_json_end_object(j);
  g_autofree char *text = dm_json_finish(j);
  cr_assert_str_eq(text, "{\"s\":\"v\",\"s_null\":null,\"i\":42,\"i_absent\":null,\"b\":true}");
}

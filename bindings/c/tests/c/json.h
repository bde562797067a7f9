/*
 * A small JSON reader for the C tests: enough to walk the spec vectors, hand parts of them to the
 * C API as the text they came as, and compare results the way the Rust vector runner does
 * (numbers by value, object members in any order).
 */
#ifndef CRMNF_TEST_JSON_H
#define CRMNF_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum json_type {
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT
} json_type;

typedef struct json_value {
  json_type type;
  /* The value's text in the parsed document (not NUL-terminated). */
  const char *text;
  size_t text_len;
  bool boolean;
  double number;
  /* JSON_STRING: the decoded bytes, NUL-terminated (may hold NULs; see string_len). */
  char *string;
  size_t string_len;
  /* JSON_ARRAY: items; JSON_OBJECT: member values, with keys[i] naming items[i]. */
  struct json_value *items;
  char **keys;
  size_t count;
} json_value;

/* Parses `len` bytes. Returns NULL and writes a message to `error` (of `error_size` bytes) on
 * failure. Nesting deeper than 512 levels is refused. The value points into `text`, which must
 * outlive it. */
json_value *json_parse(const char *text, size_t len, char *error, size_t error_size);
void json_free(json_value *value);

/* The member `key` of an object, or NULL. */
const json_value *json_get(const json_value *object, const char *key);
/* The string of a JSON_STRING, or NULL for anything else. */
const char *json_string(const json_value *value);
/* A NUL-terminated copy of the value's text, to free with free(). */
char *json_text_copy(const json_value *value);
/* Equality with numbers compared by value and object members in any order. */
bool json_equal(const json_value *a, const json_value *b);

/* A growing string for building JSON text. */
typedef struct json_buffer {
  char *data;
  size_t len;
  size_t cap;
} json_buffer;

void json_buffer_append(json_buffer *b, const char *s);
void json_buffer_appendf(json_buffer *b, const char *format, ...);
/* Appends a JSON string literal for `s` (or `null` when `s` is NULL). */
void json_buffer_string(json_buffer *b, const char *s);
void json_buffer_free(json_buffer *b);

#endif

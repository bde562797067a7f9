#include "json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

typedef struct parser {
  const char *p;
  const char *end;
  char *error;
  size_t error_size;
  int depth;
} parser;

static bool fail(parser *ps, const char *what) {
  if (ps->error && ps->error_size) {
    snprintf(ps->error, ps->error_size, "%s", what);
  }
  return false;
}

static void skip_space(parser *ps) {
  while (ps->p < ps->end &&
         (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) {
    ps->p++;
  }
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "out of memory\n");
    abort();
  }
  return q;
}

static void put_utf8(char **out, size_t *len, size_t *cap, uint32_t c) {
  char tmp[4];
  size_t n;
  if (c < 0x80) {
    tmp[0] = (char)c;
    n = 1;
  } else if (c < 0x800) {
    tmp[0] = (char)(0xC0 | (c >> 6));
    tmp[1] = (char)(0x80 | (c & 0x3F));
    n = 2;
  } else if (c < 0x10000) {
    tmp[0] = (char)(0xE0 | (c >> 12));
    tmp[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    tmp[2] = (char)(0x80 | (c & 0x3F));
    n = 3;
  } else {
    tmp[0] = (char)(0xF0 | (c >> 18));
    tmp[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    tmp[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    tmp[3] = (char)(0x80 | (c & 0x3F));
    n = 4;
  }
  if (*len + n + 1 > *cap) {
    *cap = (*len + n + 1) * 2;
    *out = xrealloc(*out, *cap);
  }
  memcpy(*out + *len, tmp, n);
  *len += n;
}

static bool hex4(parser *ps, uint32_t *out) {
  uint32_t v = 0;
  if (ps->end - ps->p < 4) {
    return fail(ps, "truncated \\u escape");
  }
  for (int i = 0; i < 4; i++) {
    char c = *ps->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= (uint32_t)(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= (uint32_t)(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= (uint32_t)(c - 'A' + 10);
    } else {
      return fail(ps, "bad \\u escape");
    }
  }
  *out = v;
  return true;
}

static bool parse_string(parser *ps, char **out, size_t *out_len) {
  size_t cap = 16, len = 0;
  char *s = xrealloc(NULL, cap);
  ps->p++; /* opening quote */
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p++;
    if (c == '\\') {
      if (ps->p >= ps->end) {
        free(s);
        return fail(ps, "truncated escape");
      }
      char e = *ps->p++;
      uint32_t cp;
      switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
          if (!hex4(ps, &cp)) {
            free(s);
            return false;
          }
          if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
              ps->p[1] == 'u') {
            uint32_t low;
            ps->p += 2;
            if (!hex4(ps, &low)) {
              free(s);
              return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          break;
        default:
          free(s);
          return fail(ps, "bad escape");
      }
      put_utf8(&s, &len, &cap, cp);
    } else {
      if (len + 2 > cap) {
        cap *= 2;
        s = xrealloc(s, cap);
      }
      s[len++] = (char)c;
    }
  }
  if (ps->p >= ps->end) {
    free(s);
    return fail(ps, "unterminated string");
  }
  ps->p++; /* closing quote */
  s[len] = '\0';
  *out = s;
  *out_len = len;
  return true;
}

static bool parse_value(parser *ps, json_value *v);

static bool parse_container(parser *ps, json_value *v, bool object) {
  char close = object ? '}' : ']';
  size_t cap = 0;
  if (++ps->depth > MAX_DEPTH) {
    return fail(ps, "nested too deeply");
  }
  ps->p++;
  skip_space(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    ps->depth--;
    return true;
  }
  for (;;) {
    char *key = NULL;
    size_t key_len = 0;
    skip_space(ps);
    if (object) {
      if (ps->p >= ps->end || *ps->p != '"') {
        return fail(ps, "expected a key");
      }
      if (!parse_string(ps, &key, &key_len)) {
        return false;
      }
      skip_space(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        free(key);
        return fail(ps, "expected ':'");
      }
      ps->p++;
    }
    if (v->count == cap) {
      cap = cap ? cap * 2 : 4;
      v->items = xrealloc(v->items, cap * sizeof *v->items);
      if (object) {
        v->keys = xrealloc(v->keys, cap * sizeof *v->keys);
      }
    }
    memset(&v->items[v->count], 0, sizeof v->items[v->count]);
    if (object) {
      v->keys[v->count] = key;
    }
    v->count++;
    if (!parse_value(ps, &v->items[v->count - 1])) {
      return false;
    }
    skip_space(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      ps->depth--;
      return true;
    }
    return fail(ps, "expected ',' or a closing bracket");
  }
}

static bool literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
    return fail(ps, "unexpected character");
  }
  ps->p += n;
  return true;
}

static bool parse_value(parser *ps, json_value *v) {
  skip_space(ps);
  if (ps->p >= ps->end) {
    return fail(ps, "unexpected end");
  }
  v->text = ps->p;
  bool ok;
  switch (*ps->p) {
    case '{':
      v->type = JSON_OBJECT;
      ok = parse_container(ps, v, true);
      break;
    case '[':
      v->type = JSON_ARRAY;
      ok = parse_container(ps, v, false);
      break;
    case '"':
      v->type = JSON_STRING;
      ok = parse_string(ps, &v->string, &v->string_len);
      break;
    case 't':
      v->type = JSON_BOOL;
      v->boolean = true;
      ok = literal(ps, "true");
      break;
    case 'f':
      v->type = JSON_BOOL;
      ok = literal(ps, "false");
      break;
    case 'n':
      v->type = JSON_NULL;
      ok = literal(ps, "null");
      break;
    default: {
      const char *start = ps->p;
      while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p)) {
        ps->p++;
      }
      if (ps->p == start) {
        return fail(ps, "unexpected character");
      }
      char buf[128];
      size_t n = (size_t)(ps->p - start);
      if (n >= sizeof buf) {
        return fail(ps, "number too long");
      }
      memcpy(buf, start, n);
      buf[n] = '\0';
      char *endp;
      v->type = JSON_NUMBER;
      v->number = strtod(buf, &endp);
      ok = *endp == '\0' ? true : fail(ps, "bad number");
    }
  }
  v->text_len = (size_t)(ps->p - v->text);
  return ok;
}

static void free_inner(json_value *v) {
  for (size_t i = 0; i < v->count; i++) {
    free_inner(&v->items[i]);
    if (v->keys) {
      free(v->keys[i]);
    }
  }
  free(v->items);
  free(v->keys);
  free(v->string);
}

json_value *json_parse(const char *text, size_t len, char *error, size_t error_size) {
  parser ps = {text, text + len, error, error_size, 0};
  json_value *v = xrealloc(NULL, sizeof *v);
  memset(v, 0, sizeof *v);
  if (!parse_value(&ps, v)) {
    json_free(v);
    return NULL;
  }
  skip_space(&ps);
  if (ps.p != ps.end) {
    fail(&ps, "trailing characters");
    json_free(v);
    return NULL;
  }
  return v;
}

void json_free(json_value *value) {
  if (value) {
    free_inner(value);
    free(value);
  }
}

const json_value *json_get(const json_value *object, const char *key) {
  if (!object || object->type != JSON_OBJECT) {
    return NULL;
  }
  for (size_t i = 0; i < object->count; i++) {
    if (strcmp(object->keys[i], key) == 0) {
      return &object->items[i];
    }
  }
  return NULL;
}

const char *json_string(const json_value *value) {
  return value && value->type == JSON_STRING ? value->string : NULL;
}

char *json_text_copy(const json_value *value) {
  char *s = xrealloc(NULL, value->text_len + 1);
  memcpy(s, value->text, value->text_len);
  s[value->text_len] = '\0';
  return s;
}

bool json_equal(const json_value *a, const json_value *b) {
  if (!a || !b || a->type != b->type) {
    return false;
  }
  switch (a->type) {
    case JSON_NULL:
      return true;
    case JSON_BOOL:
      return a->boolean == b->boolean;
    case JSON_NUMBER:
      return a->number == b->number;
    case JSON_STRING:
      return a->string_len == b->string_len && memcmp(a->string, b->string, a->string_len) == 0;
    case JSON_ARRAY:
      if (a->count != b->count) {
        return false;
      }
      for (size_t i = 0; i < a->count; i++) {
        if (!json_equal(&a->items[i], &b->items[i])) {
          return false;
        }
      }
      return true;
    case JSON_OBJECT:
      if (a->count != b->count) {
        return false;
      }
      for (size_t i = 0; i < a->count; i++) {
        if (!json_equal(&a->items[i], json_get(b, a->keys[i]))) {
          return false;
        }
      }
      return true;
  }
  return false;
}

static void reserve(json_buffer *b, size_t more) {
  if (b->len + more + 1 > b->cap) {
    b->cap = (b->len + more + 1) * 2;
    b->data = xrealloc(b->data, b->cap);
  }
}

void json_buffer_append(json_buffer *b, const char *s) {
  size_t n = strlen(s);
  reserve(b, n);
  memcpy(b->data + b->len, s, n + 1);
  b->len += n;
}

void json_buffer_appendf(json_buffer *b, const char *format, ...) {
  char tmp[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(tmp, sizeof tmp, format, args);
  va_end(args);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    fprintf(stderr, "json_buffer_appendf: too long\n");
    abort();
  }
  json_buffer_append(b, tmp);
}

void json_buffer_string(json_buffer *b, const char *s) {
  if (!s) {
    json_buffer_append(b, "null");
    return;
  }
  json_buffer_append(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      char esc[3] = {'\\', (char)*p, '\0'};
      json_buffer_append(b, esc);
    } else if (*p < 0x20) {
      json_buffer_appendf(b, "\\u%04x", *p);
    } else {
      char one[2] = {(char)*p, '\0'};
      json_buffer_append(b, one);
    }
  }
  json_buffer_append(b, "\"");
}

void json_buffer_free(json_buffer *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

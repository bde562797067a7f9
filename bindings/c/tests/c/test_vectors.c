/*
 * Runs every golden vector of spec/vectors/ through the C API, the way the Rust runner
 * (crates/crmcom-netflix/tests/vectors.rs) runs it through the core: the same outcome JSON, the
 * same comparison (numbers by value). Prints "N passed, N failed".
 *
 * usage: test_vectors SPEC_VECTORS_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmnf.h"
#include "json.h"

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *data = malloc(cap);
  size_t got;
  while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      char *more = realloc(data, cap);
      if (!more) {
        free(data);
        data = NULL;
      }
      data = more;
    }
  }
  fclose(f);
  if (data) {
    *len = n;
  }
  return data;
}

/* {"violations": [...]} / {"api_error": {...}} / {"malformed": {"path"}}, as the Rust runner
 * writes outcome_of_error. */
static void outcome_of_error(json_buffer *out, const crmnf_error *err) {
  switch (crmnf_error_code(err)) {
    case CRMNF_INVALID_REQUEST:
      json_buffer_append(out, "{\"violations\":[");
      for (size_t i = 0; i < crmnf_error_violation_count(err); i++) {
        json_buffer_append(out, i ? ",{\"path\":" : "{\"path\":");
        json_buffer_string(out, crmnf_error_violation_path(err, i));
        json_buffer_append(out, ",\"code\":");
        json_buffer_string(out, crmnf_error_violation_code(err, i));
        json_buffer_append(out, "}");
      }
      json_buffer_append(out, "]}");
      break;
    case CRMNF_API_ERROR:
      json_buffer_append(out, "{\"api_error\":{\"code\":");
      json_buffer_string(out, crmnf_error_api_code(err));
      json_buffer_append(out, ",\"description\":");
      json_buffer_string(out, crmnf_error_api_description(err));
      json_buffer_append(out, ",\"message\":");
      json_buffer_string(out, crmnf_error_api_message(err));
      json_buffer_append(out, "}}");
      break;
    case CRMNF_MALFORMED_RESPONSE:
      json_buffer_append(out, "{\"malformed\":{\"path\":");
      json_buffer_string(out, crmnf_error_path(err));
      json_buffer_append(out, "}}");
      break;
    default:
      json_buffer_appendf(out, "{\"c_status\":\"%s\"}", crmnf_status_name(crmnf_error_code(err)));
  }
}

/* Compares the JSON text `got` with `want`; on a difference writes both to `why`. */
static int compare(const char *got, const json_value *want, const char *label, char *why,
                   size_t why_size) {
  char error[128];
  json_value *g = json_parse(got, strlen(got), error, sizeof error);
  int same = g && json_equal(g, want);
  if (!same) {
    char *w = json_text_copy(want);
    snprintf(why, why_size, "%s expected %s\n     got %s%s%s", label, w, got, g ? "" : " / ",
             g ? "" : error);
    free(w);
  }
  json_free(g);
  return same;
}

static void charges_outcome(json_buffer *out, const crmnf_charges *charges) {
  json_buffer_append(out, "[");
  for (size_t i = 0; i < crmnf_charges_count(charges); i++) {
    const crmnf_charge *c = crmnf_charges_get(charges, i);
    int64_t minor;
    uint32_t exponent;
    json_buffer_append(out, i ? ",{\"number\":" : "{\"number\":");
    json_buffer_string(out, crmnf_charge_number(c, NULL));
    json_buffer_append(out, ",\"exact_amount\":");
    json_buffer_string(out, crmnf_charge_amount_exact(c, NULL));
    if (crmnf_charge_amount_minor_units(c, &minor)) {
      json_buffer_appendf(out, ",\"amount_minor\":%lld", (long long)minor);
    } else {
      json_buffer_append(out, ",\"amount_minor\":null");
    }
    if (crmnf_charge_amount_minor_unit_exponent(c, &exponent)) {
      json_buffer_appendf(out, ",\"minor_unit_exponent\":%u", (unsigned)exponent);
    } else {
      json_buffer_append(out, ",\"minor_unit_exponent\":null");
    }
    json_buffer_appendf(out, ",\"billable\":%s,\"final\":%s,\"pending\":%s}",
                        crmnf_charge_billable(c) ? "true" : "false",
                        crmnf_charge_is_final(c) ? "true" : "false",
                        crmnf_charge_is_pending(c) ? "true" : "false");
  }
  json_buffer_append(out, "]");
}

/* Joins a fields_set list into the comma-separated form the C API takes; NULL when absent. */
static char *fields_set_of(const json_value *list) {
  if (!list || list->type != JSON_ARRAY) {
    return NULL;
  }
  json_buffer b = {0};
  json_buffer_append(&b, "");
  for (size_t i = 0; i < list->count; i++) {
    if (i) {
      json_buffer_append(&b, ",");
    }
    if (list->items[i].type == JSON_STRING) {
      json_buffer_append(&b, list->items[i].string);
    }
  }
  return b.data;
}

static int run_request(const json_value *c, const char *method, const char *release,
                       const json_value *expect, char *why, size_t why_size) {
  const json_value *request = json_get(c, "request");
  const char *token = json_string(json_get(request, "token"));
  /* `params_text`: the parameters as JSON text (a key twice, which a parsed value cannot hold). */
  const char *given_text = json_string(json_get(request, "params_text"));
  const json_value *params = json_get(request, "params");
  char *params_text = NULL;
  if (given_text) {
    size_t size = strlen(given_text) + 1;
    params_text = malloc(size);
    if (params_text) memcpy(params_text, given_text, size);
  } else if (params) {
    params_text = json_text_copy(params);
  }
  crmnf_request *prepared = NULL;
  crmnf_error *err = NULL;
  crmnf_status status =
      crmnf_prepare(method, params_text ? params_text : "{}", token, release, &prepared, &err);
  json_buffer got = {0};
  if (status == CRMNF_OK) {
    json_buffer_append(&got, "{\"prepared\":");
    json_buffer_append(&got, crmnf_request_json(prepared, NULL));
    json_buffer_append(&got, "}");
  } else {
    outcome_of_error(&got, err);
  }
  int ok = compare(got.data, expect, "", why, why_size);
  json_buffer_free(&got);
  crmnf_request_free(prepared);
  crmnf_error_free(err);
  free(params_text);
  return ok;
}

static int run_response(const json_value *c, const char *method, const json_value *expect,
                        char *why, size_t why_size) {
  const json_value *response = json_get(c, "response");
  const json_value *response_text = json_get(c, "response_text");
  const char *body;
  size_t body_len;
  if (response) {
    body = response->text;
    body_len = response->text_len;
  } else if (response_text && response_text->type == JSON_STRING) {
    body = response_text->string;
    body_len = response_text->string_len;
  } else {
    snprintf(why, why_size, "no response");
    return 0;
  }
  char *fields_set = fields_set_of(json_get(c, "fields_set"));

  /* The expected outcome without "charges", which is checked on its own. */
  json_value want = *expect;
  json_value items[8];
  char *keys[8];
  const json_value *charges_expected = NULL;
  want.count = 0;
  want.items = items;
  want.keys = keys;
  for (size_t i = 0; i < expect->count && want.count < 8; i++) {
    if (strcmp(expect->keys[i], "charges") == 0) {
      charges_expected = &expect->items[i];
    } else {
      items[want.count] = expect->items[i];
      keys[want.count] = expect->keys[i];
      want.count++;
    }
  }

  char *data = NULL;
  crmnf_error *err = NULL;
  crmnf_status status =
      crmnf_decode(method, (const uint8_t *)body, body_len, fields_set, &data, &err);
  json_buffer got = {0};
  if (status == CRMNF_OK) {
    json_buffer_append(&got, "{\"decoded\":");
    json_buffer_append(&got, data);
    json_buffer_append(&got, "}");
  } else {
    outcome_of_error(&got, err);
  }
  int ok = compare(got.data, &want, "", why, why_size);
  json_buffer_free(&got);
  crmnf_string_free(data);
  crmnf_error_free(err);

  if (ok && charges_expected) {
    crmnf_charges *charges = NULL;
    err = NULL;
    status = crmnf_charges_decode((const uint8_t *)body, body_len, fields_set, &charges, &err);
    if (status != CRMNF_OK) {
      snprintf(why, why_size, "charges: %s", crmnf_error_message(err));
      ok = 0;
    } else {
      json_buffer list = {0};
      charges_outcome(&list, charges);
      ok = compare(list.data, charges_expected, "charges", why, why_size);
      json_buffer_free(&list);
    }
    crmnf_charges_free(charges);
    crmnf_error_free(err);
  }
  free(fields_set);
  return ok;
}

static int run(const json_value *c, char *why, size_t why_size) {
  const char *method = json_string(json_get(c, "method"));
  const char *release = json_string(json_get(c, "release"));
  const json_value *expect = json_get(c, "expect");
  if (!method || !expect || expect->type != JSON_OBJECT) {
    snprintf(why, why_size, "no method or expect");
    return 0;
  }
  if (json_get(c, "request")) {
    return run_request(c, method, release, expect, why, why_size);
  }
  return run_response(c, method, expect, why, why_size);
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SPEC_VECTORS_DIR\n", argv[0]);
    return 2;
  }
  DIR *dir = opendir(argv[1]);
  if (!dir) {
    perror(argv[1]);
    return 2;
  }
  char **names = NULL;
  size_t count = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    size_t n = strlen(entry->d_name);
    if (n > 5 && strcmp(entry->d_name + n - 5, ".json") == 0) {
      char **more = realloc(names, (count + 1) * sizeof *names);
      if (!more) {
        return 2;
      }
      names = more;
      names[count++] = strdup(entry->d_name);
    }
  }
  closedir(dir);
  qsort(names, count, sizeof *names, by_name);

  size_t passed = 0, failed = 0;
  for (size_t i = 0; i < count; i++) {
    char path[4096], why[8192] = "", error[128];
    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s", argv[1], names[i]);
    char *text = read_file(path, &len);
    json_value *c = text ? json_parse(text, len, error, sizeof error) : NULL;
    if (c && run(c, why, sizeof why)) {
      passed++;
    } else {
      failed++;
      printf("FAIL %s: %s\n", names[i], c ? why : "cannot read the vector");
    }
    json_free(c);
    free(text);
    free(names[i]);
  }
  free(names);
  if (count < 89) {
    printf("only %zu vectors found\n", count);
    failed++;
  }
  printf("vectors: %zu passed, %zu failed\n", passed, failed);
  return failed ? 1 : 0;
}

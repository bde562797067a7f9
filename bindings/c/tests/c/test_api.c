/*
 * Every exported function of libcrmnf, with good input and bad: NULL everywhere, invalid UTF-8,
 * truncated and deeply nested JSON, sets of 51, unknown method and release names. Meant to run
 * under valgrind and the sanitizers as well: every object made here is freed.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crmnf.h"
#include "json.h"

static int passed, failed;

#define CHECK(cond)                                                   \
  do {                                                                \
    if (cond) {                                                       \
      passed++;                                                       \
    } else {                                                          \
      failed++;                                                       \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
    }                                                                 \
  } while (0)

#define CHECK_STR(got, want)                                                         \
  do {                                                                               \
    const char *g_ = (got);                                                          \
    const char *w_ = (want);                                                         \
    if (g_ && w_ && strcmp(g_, w_) == 0) {                                           \
      passed++;                                                                      \
    } else {                                                                         \
      failed++;                                                                      \
      printf("FAIL %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got, \
             g_ ? g_ : "(NULL)", w_ ? w_ : "(NULL)");                                \
    }                                                                                \
  } while (0)

static const char BAD_UTF8[] = {'n', 'e', 't', (char)0xC3, (char)0x28, '\0'};
/* A pointer that must never be written: outputs are written only on success. */
#define SENTINEL ((void *)0x1)

static const char *OK_STATUS = "\"status\":{\"code\":\"OK\",\"description\":\"\",\"message\":\"\"}";

static char *str_printf(const char *format, ...) {
  va_list args;
  va_start(args, format);
  int n = vsnprintf(NULL, 0, format, args);
  va_end(args);
  char *s = malloc((size_t)n + 1);
  va_start(args, format);
  vsnprintf(s, (size_t)n + 1, format, args);
  va_end(args);
  return s;
}

/* One charge of a charges/list page, as the server writes it. */
static void append_charge(json_buffer *b, const char *number, const char *customer, double amount,
                          const char *currency, const char *status) {
  json_buffer_append(b, "{\"number\":");
  json_buffer_string(b, number);
  json_buffer_append(b, ",\"billing_system_customer_identifier\":");
  json_buffer_string(b, customer);
  json_buffer_appendf(b, ",\"amount\":%.17g,\"currency\":", amount);
  json_buffer_string(b, currency);
  json_buffer_append(b, ",\"charge_status\":");
  json_buffer_string(b, status);
  json_buffer_append(b,
                     ",\"paid_through_date\":\"2017-02-19T02:00:00\","
                     "\"received_on\":\"2017-02-21T10:07:23.250+02:00\","
                     "\"set_as_approved_on\":\"2017-02-21T10:38:58\",\"set_as_declined_on\":null,"
                     "\"set_as_bad_request_on\":null,\"set_as_rejected_request_on\":null}");
}

/* A charges/list page of `n` approved USD charges I00000000.. for customer pci<i>. */
static char *page_of(size_t n, size_t first) {
  json_buffer b = {0};
  json_buffer_append(&b, "{\"data\":{\"charges_set\":[");
  for (size_t i = 0; i < n; i++) {
    char number[32], customer[32];
    snprintf(number, sizeof number, "I%08zu", first + i);
    snprintf(customer, sizeof customer, "pci%zu", first + i);
    if (i) {
      json_buffer_append(&b, ",");
    }
    append_charge(&b, number, customer, 5.989999771118164, "USD", "APPROVED");
  }
  json_buffer_append(&b, "]},");
  json_buffer_append(&b, OK_STATUS);
  json_buffer_append(&b, "}");
  return b.data;
}

static crmnf_charges *decode_charges(const char *body) {
  crmnf_charges *charges = NULL;
  crmnf_error *err = NULL;
  crmnf_status s = crmnf_charges_decode((const uint8_t *)body, strlen(body), NULL, &charges, &err);
  if (s != CRMNF_OK) {
    printf("decode failed: %s\n", crmnf_error_message(err));
  }
  crmnf_error_free(err);
  return charges;
}

/* The single violation of an error is (path, code). */
static int has_violation(const crmnf_error *err, size_t i, const char *path, const char *code) {
  const char *p = crmnf_error_violation_path(err, i);
  const char *c = crmnf_error_violation_code(err, i);
  int ok = p && c && strcmp(p, path) == 0 && strcmp(c, code) == 0;
  if (!ok) {
    printf("  violation %zu is (%s, %s), expected (%s, %s)\n", i, p ? p : "NULL", c ? c : "NULL",
           path, code);
  }
  return ok;
}

static char *nested(size_t depth, const char *open, const char *close) {
  size_t o = strlen(open), c = strlen(close);
  char *s = malloc(depth * (o + c) + 1);
  char *p = s;
  for (size_t i = 0; i < depth; i++, p += o) {
    memcpy(p, open, o);
  }
  for (size_t i = 0; i < depth; i++, p += c) {
    memcpy(p, close, c);
  }
  *p = '\0';
  return s;
}

static void test_version_and_status_names(void) {
  const char *v = crmnf_version();
  CHECK(v != NULL && strlen(v) >= 5 && v[0] >= '0' && v[0] <= '9');
  CHECK_STR(crmnf_status_name(CRMNF_OK), "CRMNF_OK");
  CHECK_STR(crmnf_status_name(CRMNF_INVALID_REQUEST), "CRMNF_INVALID_REQUEST");
  CHECK_STR(crmnf_status_name(CRMNF_API_ERROR), "CRMNF_API_ERROR");
  CHECK_STR(crmnf_status_name(CRMNF_MALFORMED_RESPONSE), "CRMNF_MALFORMED_RESPONSE");
  CHECK_STR(crmnf_status_name(CRMNF_NULL_ARGUMENT), "CRMNF_NULL_ARGUMENT");
  CHECK_STR(crmnf_status_name(CRMNF_INVALID_UTF8), "CRMNF_INVALID_UTF8");
  CHECK_STR(crmnf_status_name(CRMNF_PANIC), "CRMNF_PANIC");
  CHECK_STR(crmnf_status_name(99), "CRMNF_UNKNOWN");
  CHECK_STR(crmnf_status_name(-1), "CRMNF_UNKNOWN");
}

static void test_prepare_get_and_post(void) {
  crmnf_request *r = NULL;
  crmnf_error *err = NULL;
  size_t len = 0;
  CHECK(crmnf_prepare("netflix/charges/list",
                      "{\"number_of_results\":50,\"offset\":0,\"charge_status\":\"PROCESSED\","
                      "\"fields_set\":[\"number\",\"amount\"]}",
                      "T 1", "R16.1.0", &r, &err) == CRMNF_OK);
  CHECK(err == NULL);
  CHECK_STR(crmnf_request_verb(r), "GET");
  CHECK_STR(crmnf_request_path(r), "netflix/charges/list");
  CHECK_STR(crmnf_request_query(r, &len),
            "token=T%201&number_of_results=50&offset=0&charge_status=PROCESSED&fields_set="
            "number%2Camount");
  CHECK(len == strlen(crmnf_request_query(r, NULL)));
  len = 12345;
  CHECK(crmnf_request_body(r, &len) == NULL);
  CHECK(len == 12345);
  CHECK_STR(crmnf_request_fields_set(r), "number,amount");
  const char *json = crmnf_request_json(r, &len);
  CHECK(json != NULL && len == strlen(json));
  CHECK(json && strstr(json, "\"verb\":\"GET\"") != NULL);
  char *url = NULL;
  CHECK(crmnf_request_url(r, "https://crm.example/crmapi/rest/v2/", &url, &err) == CRMNF_OK);
  CHECK_STR(url, "https://crm.example/crmapi/rest/v2/netflix/charges/list?token=T%201&number_of_"
                 "results=50&offset=0&charge_status=PROCESSED&fields_set=number%2Camount");
  crmnf_string_free(url);
  crmnf_request_free(r);

  r = NULL;
  CHECK(crmnf_prepare("netflix/subscriptions/suspend",
                      "{\"billing_system_customer_identifier\":\"pci123\"}", "T", NULL, &r,
                      &err) == CRMNF_OK);
  CHECK_STR(crmnf_request_verb(r), "POST");
  CHECK_STR(crmnf_request_body(r, &len),
            "{\"token\":\"T\",\"billing_system_customer_identifier\":\"pci123\"}");
  CHECK(len == strlen("{\"token\":\"T\",\"billing_system_customer_identifier\":\"pci123\"}"));
  CHECK_STR(crmnf_request_query(r, NULL), "");
  CHECK(crmnf_request_fields_set(r) == NULL);
  url = NULL;
  CHECK(crmnf_request_url(r, "https://crm.example/crmapi/rest/v2", &url, NULL) == CRMNF_OK);
  CHECK_STR(url, "https://crm.example/crmapi/rest/v2/netflix/subscriptions/suspend");
  crmnf_string_free(url);

  /* crmnf_request_url's own bad input. */
  char *out = SENTINEL;
  CHECK(crmnf_request_url(NULL, "b", &out, &err) == CRMNF_NULL_ARGUMENT && out == SENTINEL);
  CHECK(crmnf_error_code(err) == CRMNF_NULL_ARGUMENT);
  CHECK(strstr(crmnf_error_message(err), "request") != NULL);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_request_url(r, NULL, &out, NULL) == CRMNF_NULL_ARGUMENT && out == SENTINEL);
  CHECK(crmnf_request_url(r, "b", NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_request_url(r, BAD_UTF8, &out, NULL) == CRMNF_INVALID_UTF8 && out == SENTINEL);
  crmnf_request_free(r);

  /* A Web API key login: the key in the Authorization header, the unit in the body. */
  r = NULL;
  CHECK(crmnf_request_header_count(r) == 0);
  CHECK(crmnf_prepare_web_api_key_login("K3Y", "U1", NULL, &r, &err) == CRMNF_OK);
  CHECK_STR(crmnf_request_path(r), "authentication/web_api_key/token");
  CHECK_STR(crmnf_request_body(r, NULL), "{\"unit\":\"U1\"}");
  CHECK(crmnf_request_header_count(r) == 1);
  CHECK_STR(crmnf_request_header_name(r, 0), "Authorization");
  len = 0;
  CHECK_STR(crmnf_request_header_value(r, 0, &len), "Basic SzNZOg==");
  CHECK(len == strlen("Basic SzNZOg=="));
  CHECK(crmnf_request_header_name(r, 1) == NULL);
  len = 777;
  CHECK(crmnf_request_header_value(r, 1, &len) == NULL && len == 777);
  crmnf_request_free(r);
  r = NULL;
  CHECK(crmnf_prepare("authentication/web_api_key/token", "{\"api_key\":\"K3Y\"}", NULL, NULL,
                      &r, &err) == CRMNF_OK);
  CHECK_STR(crmnf_request_body(r, NULL), "{}");
  CHECK_STR(crmnf_request_header_value(r, 0, NULL), "Basic SzNZOg==");
  crmnf_request_free(r);
  r = SENTINEL;
  CHECK(crmnf_prepare_web_api_key_login("K3Y:SECRET", NULL, NULL, &r, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(r == SENTINEL);
  CHECK(crmnf_error_violation_count(err) == 1);
  CHECK_STR(crmnf_error_violation_path(err, 0), "api_key");
  CHECK_STR(crmnf_error_violation_code(err, 0), "invalid_format");
  CHECK(strstr(crmnf_error_message(err), "SECRET") == NULL);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_prepare_web_api_key_login(NULL, NULL, NULL, &r, &err) == CRMNF_NULL_ARGUMENT);
  CHECK(r == SENTINEL);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_prepare_web_api_key_login("K3Y", NULL, "R99.0.0", &r, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK_STR(crmnf_error_violation_path(err, 0), "release");
  crmnf_error_free(err);
  err = NULL;
  r = NULL;

  /* Accessors of a NULL request. */
  CHECK(crmnf_request_verb(NULL) == NULL);
  CHECK(crmnf_request_path(NULL) == NULL);
  CHECK(crmnf_request_query(NULL, &len) == NULL);
  CHECK(crmnf_request_body(NULL, &len) == NULL);
  CHECK(crmnf_request_json(NULL, NULL) == NULL);
  CHECK(crmnf_request_fields_set(NULL) == NULL);
  CHECK(crmnf_request_header_count(NULL) == 0);
  CHECK(crmnf_request_header_name(NULL, 0) == NULL);
  CHECK(crmnf_request_header_value(NULL, 0, &len) == NULL);
}

static void test_prepare_violations(void) {
  crmnf_request *r = SENTINEL;
  crmnf_error *err = NULL;

  /* Unknown method and release together. */
  CHECK(crmnf_prepare("netflix/charges/cancel", "{}", "T", "R99.0.0", &r, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(r == SENTINEL);
  CHECK(crmnf_error_code(err) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 2);
  CHECK(has_violation(err, 0, "method", "invalid_enum"));
  CHECK(has_violation(err, 1, "release", "invalid_enum"));
  CHECK(crmnf_error_violation_message(err, 0) != NULL);
  CHECK(crmnf_error_violation_path(err, 2) == NULL);
  CHECK(crmnf_error_violation_code(err, 2) == NULL);
  CHECK(crmnf_error_violation_message(err, 2) == NULL);
  CHECK(crmnf_error_api_code(err) == NULL);
  CHECK(crmnf_error_api_description(err) == NULL);
  CHECK(crmnf_error_api_message(err) == NULL);
  CHECK(crmnf_error_path(err) == NULL);
  CHECK(strstr(crmnf_error_message(err), "netflix/charges/cancel") != NULL);
  crmnf_error_free(err);

  /* No token, and the message never repeats a secret. */
  err = NULL;
  CHECK(crmnf_prepare("netflix/subscriptions/suspend", "{\"billing_system_customer_identifer\":1}",
                      NULL, NULL, &r, &err) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 3);
  CHECK(has_violation(err, 0, "billing_system_customer_identifer", "unknown_field"));
  CHECK(has_violation(err, 1, "billing_system_customer_identifier", "required"));
  CHECK(has_violation(err, 2, "token", "required"));
  crmnf_error_free(err);

  err = NULL;
  CHECK(crmnf_prepare("authentication/token",
                      "{\"username\":\"u\",\"password\":\"hunter2-secret\",\"organisation\":5}",
                      NULL, NULL, &r, &err) == CRMNF_INVALID_REQUEST);
  CHECK(strstr(crmnf_error_message(err), "hunter2-secret") == NULL);
  crmnf_error_free(err);

  /* A method newer than the release. */
  err = NULL;
  CHECK(crmnf_prepare("netflix/charges/accept",
                      "{\"accepted_charges_set\":[{\"number\":\"I1\","
                      "\"billing_system_customer_identifier\":\"p\"}]}",
                      "T", "R12.0.0", &r, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "method", "not_in_release"));
  crmnf_error_free(err);

  /* A set of 51 and a set of 50. */
  for (int n = 50; n <= 51; n++) {
    json_buffer b = {0};
    json_buffer_append(&b, "{\"acknowledged_charges_set\":[");
    for (int i = 0; i < n; i++) {
      json_buffer_appendf(&b, "%s{\"number\":\"I%08d\",\"billing_system_customer_identifier\":\"p\"}",
                          i ? "," : "", i);
    }
    json_buffer_append(&b, "]}");
    crmnf_request *req = NULL;
    err = NULL;
    crmnf_status s = crmnf_prepare("netflix/charges/acknowledge", b.data, "T", NULL, &req, &err);
    if (n == 50) {
      CHECK(s == CRMNF_OK && req != NULL);
    } else {
      CHECK(s == CRMNF_INVALID_REQUEST && req == NULL);
      CHECK(crmnf_error_violation_count(err) == 1);
      CHECK(has_violation(err, 0, "acknowledged_charges_set", "too_many_items"));
    }
    crmnf_request_free(req);
    crmnf_error_free(err);
    json_buffer_free(&b);
  }

  /* Truncated parameters, parameters that are not an object, deeply nested parameters. */
  const char *bad_params[] = {"{\"billing_system_customer_identifier\":\"pci",
                              "", "[1,2]", "\"text\"", "{\"a\":}"};
  for (size_t i = 0; i < sizeof bad_params / sizeof *bad_params; i++) {
    err = NULL;
    CHECK(crmnf_prepare("netflix/subscriptions/suspend", bad_params[i], "T", NULL, &r, &err) ==
          CRMNF_INVALID_REQUEST);
    CHECK(crmnf_error_violation_count(err) >= 1);
    CHECK(has_violation(err, 0, "", "invalid_type"));
    crmnf_error_free(err);
  }
  char *deep = nested(100000, "[", "]");
  char *deep_object = nested(100000, "{\"a\":", "}");
  const char *deep_inputs[] = {deep, deep_object};
  for (size_t i = 0; i < 2; i++) {
    err = NULL;
    CHECK(crmnf_prepare("netflix/subscriptions/suspend", deep_inputs[i], "T", NULL, &r, &err) ==
          CRMNF_INVALID_REQUEST);
    CHECK(crmnf_error_code(err) == CRMNF_INVALID_REQUEST);
    crmnf_error_free(err);
    err = NULL;
    CHECK(crmnf_validate("netflix/subscriptions/suspend", deep_inputs[i], NULL, &err) ==
          CRMNF_INVALID_REQUEST);
    crmnf_error_free(err);
  }
  free(deep);
  free(deep_object);
  CHECK(r == SENTINEL);
}

static void test_prepare_bad_arguments(void) {
  crmnf_request *r = SENTINEL;
  crmnf_error *err = NULL;
  const char *m = "netflix/subscriptions/suspend";
  const char *p = "{\"billing_system_customer_identifier\":\"pci123\"}";

  CHECK(crmnf_prepare(NULL, p, "T", NULL, &r, &err) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_error_code(err) == CRMNF_NULL_ARGUMENT);
  CHECK(strstr(crmnf_error_message(err), "method") != NULL);
  CHECK(crmnf_error_violation_count(err) == 0);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_prepare(m, NULL, "T", NULL, &r, &err) == CRMNF_NULL_ARGUMENT);
  CHECK(strstr(crmnf_error_message(err), "params_json") != NULL);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_prepare(m, p, "T", NULL, NULL, &err) == CRMNF_NULL_ARGUMENT);
  CHECK(strstr(crmnf_error_message(err), "out") != NULL);
  crmnf_error_free(err);
  /* err NULL: the status alone. */
  CHECK(crmnf_prepare(NULL, NULL, NULL, NULL, NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_prepare(m, "{", "T", NULL, &r, NULL) == CRMNF_INVALID_REQUEST);

  const char *utf8_cases[4][4] = {{BAD_UTF8, p, "T", NULL},
                                  {m, BAD_UTF8, "T", NULL},
                                  {m, p, BAD_UTF8, NULL},
                                  {m, p, "T", BAD_UTF8}};
  const char *names[] = {"method", "params_json", "token", "release"};
  for (int i = 0; i < 4; i++) {
    err = NULL;
    CHECK(crmnf_prepare(utf8_cases[i][0], utf8_cases[i][1], utf8_cases[i][2], utf8_cases[i][3],
                        &r, &err) == CRMNF_INVALID_UTF8);
    CHECK(crmnf_error_code(err) == CRMNF_INVALID_UTF8);
    CHECK(strstr(crmnf_error_message(err), names[i]) != NULL);
    crmnf_error_free(err);
  }
  CHECK(r == SENTINEL);
}

static void test_validate(void) {
  crmnf_error *err = NULL;
  CHECK(crmnf_validate("netflix/charges/list",
                       "{\"number_of_results\":51,\"offset\":-1,\"charge_status\":\"PROCESSED\"}",
                       "R16.1.0", &err) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 2);
  CHECK(has_violation(err, 0, "number_of_results", "out_of_range"));
  CHECK(has_violation(err, 1, "offset", "out_of_range"));
  crmnf_error_free(err);
  err = SENTINEL;
  /* No token needed, and err untouched on success. */
  CHECK(crmnf_validate("netflix/subscriptions/suspend",
                       "{\"billing_system_customer_identifier\":\"pci123\"}", NULL,
                       &err) == CRMNF_OK);
  CHECK(err == SENTINEL);
  err = NULL;
  CHECK(crmnf_validate("netflix/charges/list", "{\"number_of_results\":5,\"offset\":0}",
                       "R12.0.0", &err) == CRMNF_OK);
  CHECK(crmnf_validate("netflix/charges/list", "{}", "R12", &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "release", "invalid_enum"));
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_validate(NULL, "{}", NULL, &err) == CRMNF_NULL_ARGUMENT);
  crmnf_error_free(err);
  CHECK(crmnf_validate("netflix/charges/list", NULL, NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_validate(BAD_UTF8, "{}", NULL, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_validate("netflix/charges/list", BAD_UTF8, NULL, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_validate("netflix/charges/list", "{}", BAD_UTF8, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_validate("netflix/charges/list", "{\"offset\":", NULL, NULL) ==
        CRMNF_INVALID_REQUEST);
}

static void test_decode(void) {
  const char *promotions =
      "{\"data\":[{\"code\":\"14\",\"expires_on\":null,\"name\":\"Test\",\"description\":null,"
      "\"effective_from\":\"2017-01-01T00:00:00.5Z\",\"extra\":[1]}],"
      "\"status\":{\"code\":\"OK\",\"description\":\"\",\"message\":\"\"}}";
  char *out = NULL;
  crmnf_error *err = NULL;
  CHECK(crmnf_decode("netflix/promotions/list", (const uint8_t *)promotions, strlen(promotions),
                     NULL, &out, &err) == CRMNF_OK);
  CHECK_STR(out, "[{\"code\":\"14\",\"name\":\"Test\",\"description\":null,"
                 "\"effective_from\":\"2017-01-01T00:00:00\",\"expires_on\":null,\"extra\":[1]}]");
  crmnf_string_free(out);

  /* A fields_set lets the named fields be the only ones. */
  const char *projected = "{\"data\":[{\"code\":\"14\"}],\"status\":{\"code\":\"OK\"}}";
  out = NULL;
  CHECK(crmnf_decode("netflix/promotions/list", (const uint8_t *)projected, strlen(projected),
                     "code", &out, &err) == CRMNF_OK);
  CHECK_STR(out, "[{\"code\":\"14\"}]");
  crmnf_string_free(out);
  out = SENTINEL;
  err = NULL;
  CHECK(crmnf_decode("netflix/promotions/list", (const uint8_t *)projected, strlen(projected),
                     NULL, &out, &err) == CRMNF_MALFORMED_RESPONSE);
  CHECK_STR(crmnf_error_path(err), "data[0].name");
  CHECK(out == SENTINEL);
  crmnf_error_free(err);

  /* API error, with a null description. */
  const char *api = "{\"status\":{\"code\":\"ERROR\",\"description\":null,\"message\":\"Bad\"},"
                    "\"data\":null}";
  err = NULL;
  CHECK(crmnf_decode("netflix/charges/accept", (const uint8_t *)api, strlen(api), NULL, &out,
                     &err) == CRMNF_API_ERROR);
  CHECK(crmnf_error_code(err) == CRMNF_API_ERROR);
  CHECK_STR(crmnf_error_api_code(err), "ERROR");
  CHECK(crmnf_error_api_description(err) == NULL);
  CHECK_STR(crmnf_error_api_message(err), "Bad");
  CHECK(crmnf_error_violation_count(err) == 0);
  CHECK(crmnf_error_path(err) == NULL);
  crmnf_error_free(err);

  /* Truncated, empty, not UTF-8, deeply nested bodies: malformed at the body itself. */
  const char *truncated = "{\"data\": {}, \"status\": {\"code\": \"OK\"";
  const char not_utf8[] = {'{', '"', 'd', (char)0xFF, '"', ':', '1', '}'};
  char *deep = nested(200000, "[", "]");
  char *deep_data = str_printf("{\"status\":{\"code\":\"OK\"},\"data\":%s}", deep);
  struct {
    const char *body;
    size_t len;
  } bodies[] = {{truncated, strlen(truncated)},
                {"", 0},
                {not_utf8, sizeof not_utf8},
                {deep, strlen(deep)},
                {deep_data, strlen(deep_data)},
                {"<html>502</html>", 16}};
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
    err = NULL;
    out = SENTINEL;
    CHECK(crmnf_decode("netflix/subscriptions/suspend", (const uint8_t *)bodies[i].body,
                       bodies[i].len, NULL, &out, &err) == CRMNF_MALFORMED_RESPONSE);
    CHECK(out == SENTINEL);
    CHECK_STR(crmnf_error_path(err), "");
    crmnf_error_free(err);
  }
  free(deep_data);
  free(deep);

  /* Unknown method; bad arguments. */
  const char *ok = "{\"data\":{},\"status\":{\"code\":\"OK\"}}";
  err = NULL;
  CHECK(crmnf_decode("netflix/nothing", (const uint8_t *)ok, strlen(ok), NULL, &out, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "method", "invalid_enum"));
  crmnf_error_free(err);
  CHECK(crmnf_decode(NULL, (const uint8_t *)ok, strlen(ok), NULL, &out, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_decode("netflix/subscriptions/suspend", NULL, 0, NULL, &out, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_decode("netflix/subscriptions/suspend", (const uint8_t *)ok, strlen(ok), NULL, NULL,
                     NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_decode(BAD_UTF8, (const uint8_t *)ok, strlen(ok), NULL, &out, NULL) ==
        CRMNF_INVALID_UTF8);
  CHECK(crmnf_decode("netflix/subscriptions/suspend", (const uint8_t *)ok, strlen(ok), BAD_UTF8,
                     &out, NULL) == CRMNF_INVALID_UTF8);
  CHECK(out == SENTINEL);
  out = NULL;
  CHECK(crmnf_decode("netflix/subscriptions/suspend", (const uint8_t *)ok, strlen(ok), NULL, &out,
                     NULL) == CRMNF_OK);
  CHECK_STR(out, "{}");
  crmnf_string_free(out);
}

static void test_project(void) {
  char *out = NULL;
  crmnf_error *err = NULL;
  CHECK(crmnf_project("netflix/charges/list",
                      "{\"charges_set\":[{\"number\":\"I1\",\"amount\":5.99,\"currency\":\"USD\"}]}",
                      "number, currency", &out, &err) == CRMNF_OK);
  CHECK_STR(out, "{\"charges_set\":[{\"number\":\"I1\",\"currency\":\"USD\"}]}");
  crmnf_string_free(out);
  out = NULL;
  CHECK(crmnf_project("netflix/subscriptions/show", "{\"netflix_sate\":\"ACTIVE\",\"x\":1}",
                      "netflix_state", &out, &err) == CRMNF_OK);
  CHECK_STR(out, "{\"netflix_sate\":\"ACTIVE\"}");
  crmnf_string_free(out);

  out = SENTINEL;
  CHECK(crmnf_project("netflix/nothing", "{}", "a", &out, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "method", "invalid_enum"));
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_project("netflix/charges/list", "{\"charges_set\":[", "a", &out, &err) ==
        CRMNF_MALFORMED_RESPONSE);
  CHECK_STR(crmnf_error_path(err), "");
  crmnf_error_free(err);
  CHECK(crmnf_project(NULL, "{}", "a", &out, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_project("netflix/charges/list", NULL, "a", &out, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_project("netflix/charges/list", "{}", NULL, &out, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_project("netflix/charges/list", "{}", "a", NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_project(BAD_UTF8, "{}", "a", &out, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_project("netflix/charges/list", BAD_UTF8, "a", &out, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_project("netflix/charges/list", "{}", BAD_UTF8, &out, NULL) == CRMNF_INVALID_UTF8);
  CHECK(out == SENTINEL);
}

static void test_charges(void) {
  json_buffer b = {0};
  json_buffer_append(&b, "{\"data\":{\"charges_set\":[");
  append_charge(&b, "I00002662", "pci150", 5.989999771118164, "USD", "APPROVED");
  json_buffer_append(&b, ",");
  append_charge(&b, "I00002663", "pci151", 499.5, "JPY", "PENDING");
  json_buffer_append(&b, ",");
  append_charge(&b, "I00002664", "pci152", 1.2345, "KWD", "DECLINED");
  json_buffer_append(&b, ",");
  append_charge(&b, "I00002665", "pci153", 12.345, "XYZ", "APPROVED");
  json_buffer_append(&b, ",");
  append_charge(&b, "I00002666", "pci154", -0.005, "USD", "ON_HOLD");
  json_buffer_append(&b,
                     ",{\"number\":\"I00002667\",\"billing_system_customer_identifier\":\"p\","
                     "\"amount\":5.49,\"currency\":\"USD\",\"local_currency_amount\":5.0,"
                     "\"local_currency\":\"EUR\",\"charge_status\":\"BAD_REQUEST\","
                     "\"paid_through_date\":\"2017-02-19T02:00:00\","
                     "\"received_on\":\"2017-02-21T10:07:23\",\"set_as_approved_on\":null,"
                     "\"set_as_declined_on\":\"2017-02-22T01:02:03\","
                     "\"set_as_bad_request_on\":\"2017-02-23T01:02:03\","
                     "\"set_as_rejected_request_on\":\"2017-02-24T01:02:03\",\"note\":\"x\"}");
  json_buffer_append(&b, "]},");
  json_buffer_append(&b, OK_STATUS);
  json_buffer_append(&b, "}");
  crmnf_charges *charges = decode_charges(b.data);
  json_buffer_free(&b);
  CHECK(charges != NULL);
  CHECK(crmnf_charges_count(charges) == 6);
  CHECK(crmnf_charges_get(charges, 6) == NULL);
  CHECK(crmnf_charges_get(charges, (size_t)-1) == NULL);

  const crmnf_charge *usd = crmnf_charges_get(charges, 0);
  size_t len = 0;
  int64_t minor = 0;
  uint32_t exponent = 0;
  double raw = 0;
  crmnf_datetime date;
  CHECK_STR(crmnf_charge_number(usd, &len), "I00002662");
  CHECK(len == 9);
  CHECK_STR(crmnf_charge_billing_system_customer_identifier(usd, &len), "pci150");
  CHECK(len == 6);
  CHECK_STR(crmnf_charge_currency(usd, &len), "USD");
  CHECK(crmnf_charge_local_currency(usd, &len) == NULL);
  CHECK(crmnf_charge_amount_minor_units(usd, &minor) && minor == 599);
  CHECK(crmnf_charge_amount_minor_unit_exponent(usd, &exponent) && exponent == 2);
  CHECK_STR(crmnf_charge_amount_exact(usd, &len), "5.99");
  CHECK(len == 4);
  CHECK(crmnf_charge_amount_raw(usd, &raw) && raw == 5.989999771118164);
  CHECK(!crmnf_charge_local_currency_amount_minor_units(usd, &minor));
  CHECK(!crmnf_charge_local_currency_amount_minor_unit_exponent(usd, &exponent));
  CHECK(crmnf_charge_local_currency_amount_exact(usd, NULL) == NULL);
  CHECK(!crmnf_charge_local_currency_amount_raw(usd, &raw));
  CHECK(crmnf_charge_charge_status(usd) == CRMNF_CHARGE_STATUS_APPROVED);
  CHECK_STR(crmnf_charge_charge_status_text(usd, &len), "APPROVED");
  CHECK(crmnf_charge_billable(usd) && crmnf_charge_is_final(usd) && !crmnf_charge_is_pending(usd));
  CHECK(crmnf_charge_billing_action(usd) == CRMNF_BILLING_ACTION_BILL);
  CHECK(!crmnf_charge_redelivered(usd));
  CHECK(crmnf_charge_received_on(usd, &date));
  CHECK(date.year == 2017 && date.month == 2 && date.day == 21 && date.hour == 10 &&
        date.minute == 7 && date.second == 23 && date.nanosecond == 250000000);
  CHECK(crmnf_charge_paid_through_date(usd, &date) && date.day == 19 && date.nanosecond == 0);
  CHECK(crmnf_charge_set_as_approved_on(usd, &date) && date.hour == 10 && date.minute == 38);
  memset(&date, 0x5A, sizeof date);
  CHECK(!crmnf_charge_set_as_declined_on(usd, &date));
  CHECK(!crmnf_charge_set_as_bad_request_on(usd, &date));
  CHECK(!crmnf_charge_set_as_rejected_request_on(usd, &date));
  CHECK(date.year == 0x5A5A5A5A); /* untouched */
  /* Optional outputs may be NULL. */
  CHECK(crmnf_charge_amount_minor_units(usd, NULL));
  CHECK(crmnf_charge_amount_raw(usd, NULL));
  CHECK(crmnf_charge_received_on(usd, NULL));
  const char *json = crmnf_charge_json(usd, &len);
  CHECK(json && len == strlen(json) && strstr(json, "\"received_on\":\"2017-02-21T10:07:23\""));
  /* Strings are stable: the same pointer each time. */
  CHECK(crmnf_charge_number(usd, NULL) == crmnf_charge_number(usd, NULL));
  CHECK(crmnf_charge_json(usd, NULL) == json);

  const crmnf_charge *jpy = crmnf_charges_get(charges, 1);
  CHECK(crmnf_charge_amount_minor_units(jpy, &minor) && minor == 500);
  CHECK(crmnf_charge_amount_minor_unit_exponent(jpy, &exponent) && exponent == 0);
  CHECK_STR(crmnf_charge_amount_exact(jpy, NULL), "500");
  CHECK(crmnf_charge_charge_status(jpy) == CRMNF_CHARGE_STATUS_PENDING);
  CHECK(!crmnf_charge_billable(jpy) && !crmnf_charge_is_final(jpy) && crmnf_charge_is_pending(jpy));
  CHECK(crmnf_charge_billing_action(jpy) == CRMNF_BILLING_ACTION_LEAVE);

  const crmnf_charge *kwd = crmnf_charges_get(charges, 2);
  CHECK(crmnf_charge_amount_minor_units(kwd, &minor) && minor == 1235);
  CHECK(crmnf_charge_amount_minor_unit_exponent(kwd, &exponent) && exponent == 3);
  CHECK_STR(crmnf_charge_amount_exact(kwd, NULL), "1.235");
  CHECK(crmnf_charge_charge_status(kwd) == CRMNF_CHARGE_STATUS_DECLINED);
  CHECK(!crmnf_charge_billable(kwd) && crmnf_charge_is_final(kwd));
  CHECK(crmnf_charge_billing_action(kwd) == CRMNF_BILLING_ACTION_RECORD);

  const crmnf_charge *xyz = crmnf_charges_get(charges, 3);
  minor = 77;
  exponent = 77;
  CHECK(!crmnf_charge_amount_minor_units(xyz, &minor) && minor == 77);
  CHECK(!crmnf_charge_amount_minor_unit_exponent(xyz, &exponent) && exponent == 77);
  CHECK_STR(crmnf_charge_amount_exact(xyz, NULL), "12.345");
  CHECK_STR(crmnf_charge_currency(xyz, NULL), "XYZ");
  CHECK(!crmnf_charge_billable(xyz));
  /* Approved but not priceable: left on the server, never confirmed (it would be lost). */
  CHECK(crmnf_charge_is_final(xyz) && crmnf_charge_billing_action(xyz) == CRMNF_BILLING_ACTION_LEAVE);

  const crmnf_charge *unknown = crmnf_charges_get(charges, 4);
  CHECK(crmnf_charge_charge_status(unknown) == CRMNF_CHARGE_STATUS_UNKNOWN);
  CHECK_STR(crmnf_charge_charge_status_text(unknown, &len), "ON_HOLD");
  CHECK(len == 7);
  CHECK(!crmnf_charge_billable(unknown) && !crmnf_charge_is_final(unknown) &&
        !crmnf_charge_is_pending(unknown));
  CHECK(crmnf_charge_billing_action(unknown) == CRMNF_BILLING_ACTION_LEAVE);
  CHECK(crmnf_charge_amount_minor_units(unknown, &minor) && minor == -1);
  CHECK_STR(crmnf_charge_amount_exact(unknown, NULL), "-0.01");

  const crmnf_charge *local = crmnf_charges_get(charges, 5);
  CHECK_STR(crmnf_charge_local_currency(local, &len), "EUR");
  CHECK(crmnf_charge_local_currency_amount_minor_units(local, &minor) && minor == 500);
  CHECK(crmnf_charge_local_currency_amount_minor_unit_exponent(local, &exponent) && exponent == 2);
  CHECK_STR(crmnf_charge_local_currency_amount_exact(local, NULL), "5.00");
  CHECK(crmnf_charge_local_currency_amount_raw(local, &raw) && raw == 5.0);
  CHECK(crmnf_charge_charge_status(local) == CRMNF_CHARGE_STATUS_BAD_REQUEST);
  CHECK(crmnf_charge_set_as_declined_on(local, &date) && date.day == 22);
  CHECK(crmnf_charge_set_as_bad_request_on(local, &date) && date.day == 23);
  CHECK(crmnf_charge_set_as_rejected_request_on(local, &date) && date.day == 24);
  CHECK(!crmnf_charge_set_as_approved_on(local, &date));
  CHECK(strstr(crmnf_charge_json(local, NULL), "\"note\":\"x\"") != NULL);
  crmnf_charges_free(charges);

  /* A NULL charge and a NULL list. */
  CHECK(crmnf_charges_count(NULL) == 0);
  CHECK(crmnf_charges_get(NULL, 0) == NULL);
  CHECK(crmnf_charge_number(NULL, &len) == NULL);
  CHECK(crmnf_charge_billing_system_customer_identifier(NULL, NULL) == NULL);
  CHECK(crmnf_charge_currency(NULL, NULL) == NULL);
  CHECK(crmnf_charge_local_currency(NULL, NULL) == NULL);
  CHECK(!crmnf_charge_amount_minor_units(NULL, &minor));
  CHECK(!crmnf_charge_amount_minor_unit_exponent(NULL, &exponent));
  CHECK(crmnf_charge_amount_exact(NULL, NULL) == NULL);
  CHECK(!crmnf_charge_amount_raw(NULL, &raw));
  CHECK(!crmnf_charge_local_currency_amount_minor_units(NULL, &minor));
  CHECK(!crmnf_charge_local_currency_amount_minor_unit_exponent(NULL, &exponent));
  CHECK(crmnf_charge_local_currency_amount_exact(NULL, NULL) == NULL);
  CHECK(!crmnf_charge_local_currency_amount_raw(NULL, &raw));
  CHECK(crmnf_charge_charge_status(NULL) == CRMNF_CHARGE_STATUS_ABSENT);
  CHECK(crmnf_charge_charge_status_text(NULL, NULL) == NULL);
  CHECK(!crmnf_charge_billable(NULL) && !crmnf_charge_is_final(NULL) &&
        !crmnf_charge_is_pending(NULL) && !crmnf_charge_redelivered(NULL));
  CHECK(crmnf_charge_billing_action(NULL) == CRMNF_BILLING_ACTION_LEAVE);
  CHECK(!crmnf_charge_paid_through_date(NULL, &date) && !crmnf_charge_received_on(NULL, &date));
  CHECK(!crmnf_charge_set_as_approved_on(NULL, &date) &&
        !crmnf_charge_set_as_declined_on(NULL, &date));
  CHECK(!crmnf_charge_set_as_bad_request_on(NULL, &date) &&
        !crmnf_charge_set_as_rejected_request_on(NULL, &date));
  CHECK(crmnf_charge_json(NULL, NULL) == NULL);
}

static void test_charges_decode_errors_and_fields_set(void) {
  crmnf_charges *charges = SENTINEL;
  crmnf_error *err = NULL;
  const char *projected = "{\"data\":{\"charges_set\":[{\"number\":\"I1\",\"amount\":2.5,"
                          "\"currency\":\"USD\"}]},\"status\":{\"code\":\"OK\"}}";
  CHECK(crmnf_charges_decode((const uint8_t *)projected, strlen(projected), NULL, &charges,
                             &err) == CRMNF_MALFORMED_RESPONSE);
  CHECK_STR(crmnf_error_path(err), "data.charges_set[0].billing_system_customer_identifier");
  CHECK(charges == SENTINEL);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_charges_decode((const uint8_t *)projected, strlen(projected), "number,amount,currency",
                             &charges, &err) == CRMNF_OK);
  const crmnf_charge *c = crmnf_charges_get(charges, 0);
  CHECK(crmnf_charge_charge_status(c) == CRMNF_CHARGE_STATUS_ABSENT);
  CHECK(crmnf_charge_charge_status_text(c, NULL) == NULL);
  CHECK(crmnf_charge_billing_system_customer_identifier(c, NULL) == NULL);
  CHECK(!crmnf_charge_received_on(c, NULL));
  CHECK(!crmnf_charge_billable(c));
  /* The field state tells a field the fields_set left out from one that came as null. */
  CHECK(crmnf_charge_field(c, "number") == CRMNF_FIELD_VALUE);
  CHECK(crmnf_charge_field(c, "amount") == CRMNF_FIELD_VALUE);
  CHECK(crmnf_charge_field(c, "received_on") == CRMNF_FIELD_NOT_REQUESTED);
  CHECK(crmnf_charge_field(c, "charge_status") == CRMNF_FIELD_NOT_REQUESTED);
  CHECK(crmnf_charge_field(c, "no_such_field") == CRMNF_FIELD_UNKNOWN);
  CHECK(crmnf_charge_field(c, "\xff") == CRMNF_FIELD_UNKNOWN);
  CHECK(crmnf_charge_field(c, NULL) == CRMNF_FIELD_UNKNOWN);
  CHECK(crmnf_charge_field(NULL, "number") == CRMNF_FIELD_UNKNOWN);
  crmnf_charges_free(charges);

  /* Without a fields_set, a null is CRMNF_FIELD_NULL and every documented field a value. */
  const char *full =
      "{\"data\":{\"charges_set\":[{\"number\":\"I1\",\"billing_system_customer_identifier\":"
      "\"pci1\",\"amount\":2.5,\"currency\":\"USD\",\"charge_status\":\"APPROVED\","
      "\"paid_through_date\":\"2017-02-19T02:00:00\",\"received_on\":\"2017-02-21T10:07:23\","
      "\"set_as_declined_on\":null}]},\"status\":{\"code\":\"OK\"}}";
  charges = SENTINEL;
  CHECK(crmnf_charges_decode((const uint8_t *)full, strlen(full), NULL, &charges, &err) ==
        CRMNF_OK);
  c = crmnf_charges_get(charges, 0);
  CHECK(crmnf_charge_field(c, "received_on") == CRMNF_FIELD_VALUE);
  CHECK(crmnf_charge_field(c, "set_as_declined_on") == CRMNF_FIELD_NULL);
  CHECK(crmnf_charge_field(c, "local_currency_amount") == CRMNF_FIELD_NULL);
  crmnf_charges_free(charges);

  const char *bad_amount =
      "{\"data\":{\"charges_set\":[{\"number\":\"I1\",\"amount\":\"5.99\"}]},\"status\":"
      "{\"code\":\"OK\"}}";
  charges = SENTINEL;
  err = NULL;
  CHECK(crmnf_charges_decode((const uint8_t *)bad_amount, strlen(bad_amount), NULL, &charges,
                             &err) == CRMNF_MALFORMED_RESPONSE);
  CHECK_STR(crmnf_error_path(err), "data.charges_set[0].amount");
  crmnf_error_free(err);
  const char *api = "{\"status\":{\"code\":\"ERROR\",\"description\":\"Invalid token\","
                    "\"message\":\"expired\"},\"data\":null}";
  err = NULL;
  CHECK(crmnf_charges_decode((const uint8_t *)api, strlen(api), NULL, &charges, &err) ==
        CRMNF_API_ERROR);
  CHECK_STR(crmnf_error_api_description(err), "Invalid token");
  crmnf_error_free(err);
  const char *truncated = "{\"data\":{\"charges_set\":[{\"number\":";
  CHECK(crmnf_charges_decode((const uint8_t *)truncated, strlen(truncated), NULL, &charges,
                             NULL) == CRMNF_MALFORMED_RESPONSE);
  char *deep = nested(50000, "{\"a\":", "}");
  CHECK(crmnf_charges_decode((const uint8_t *)deep, strlen(deep), NULL, &charges, NULL) ==
        CRMNF_MALFORMED_RESPONSE);
  free(deep);
  CHECK(crmnf_charges_decode(NULL, 3, NULL, &charges, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charges_decode((const uint8_t *)api, strlen(api), NULL, NULL, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charges_decode((const uint8_t *)api, strlen(api), BAD_UTF8, &charges, NULL) ==
        CRMNF_INVALID_UTF8);
  CHECK(charges == SENTINEL);
}

static void test_prepare_batch(void) {
  char *body = page_of(51, 0);
  crmnf_charges *charges = decode_charges(body);
  free(body);
  const crmnf_charge *list[53];
  const char *references[53];
  for (size_t i = 0; i < 51; i++) {
    list[i] = crmnf_charges_get(charges, i);
    references[i] = NULL;
  }
  list[51] = list[0]; /* a repeat is merged into its first occurrence */
  references[51] = NULL;
  references[3] = "R-3";

  crmnf_requests *requests = NULL;
  crmnf_error *err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", list, references, 52, "T", NULL,
                            &requests, &err) == CRMNF_OK);
  CHECK(crmnf_requests_count(requests) == 2);
  CHECK(crmnf_requests_get(requests, 2) == NULL);
  const crmnf_request *first = crmnf_requests_get(requests, 0);
  const crmnf_request *second = crmnf_requests_get(requests, 1);
  CHECK_STR(crmnf_request_path(first), "netflix/charges/acknowledge");
  char parse_error[128];
  json_value *b1 = json_parse(crmnf_request_body(first, NULL), strlen(crmnf_request_body(first, NULL)),
                              parse_error, sizeof parse_error);
  json_value *b2 = json_parse(crmnf_request_body(second, NULL),
                              strlen(crmnf_request_body(second, NULL)), parse_error,
                              sizeof parse_error);
  const json_value *set1 = json_get(b1, "acknowledged_charges_set");
  const json_value *set2 = json_get(b2, "acknowledged_charges_set");
  CHECK(set1 && set1->count == 50 && set2 && set2->count == 1);
  CHECK_STR(json_string(json_get(b1, "token")), "T");
  CHECK(set1 && set1->count > 3 &&
        strcmp(json_string(json_get(&set1->items[3], "reference_number")), "R-3") == 0);
  CHECK(set2 && set2->count == 1 &&
        strcmp(json_string(json_get(&set2->items[0], "number")), "I00000050") == 0);
  CHECK(set2 && set2->count == 1 &&
        strcmp(json_string(json_get(&set2->items[0], "billing_system_customer_identifier")),
               "pci50") == 0);
  json_free(b1);
  json_free(b2);
  crmnf_requests_free(requests);

  /* Accept needs R14.1.0; decline without reference numbers; nothing to batch. */
  requests = SENTINEL;
  err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/accept", list, NULL, 51, "T", "R12.0.0", &requests,
                            &err) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 1);
  CHECK(has_violation(err, 0, "method", "not_in_release"));
  crmnf_error_free(err);
  CHECK(requests == SENTINEL);
  requests = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/decline", list, NULL, 51, "T", "R14.1.0", &requests,
                            NULL) == CRMNF_OK);
  CHECK(crmnf_requests_count(requests) == 2);
  crmnf_requests_free(requests);
  requests = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/decline", NULL, NULL, 0, "T", NULL, &requests,
                            NULL) == CRMNF_OK);
  CHECK(requests != NULL && crmnf_requests_count(requests) == 0);
  crmnf_requests_free(requests);

  /* A method that takes no set, unknown names, no token. */
  requests = SENTINEL;
  err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/list", list, NULL, 2, "T", NULL, &requests, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "method", "invalid_enum"));
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/cancel", list, NULL, 2, "T", "R1", &requests, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 2);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", list, NULL, 51, NULL, NULL, &requests,
                            &err) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 1);
  CHECK(has_violation(err, 0, "token", "required"));
  crmnf_error_free(err);

  /* Bad arguments. */
  const crmnf_charge *with_null[2] = {list[0], NULL};
  const char *bad_refs[2] = {NULL, BAD_UTF8};
  err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", with_null, NULL, 2, "T", NULL,
                            &requests, &err) == CRMNF_NULL_ARGUMENT);
  CHECK(strstr(crmnf_error_message(err), "charges[1]") != NULL);
  crmnf_error_free(err);
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", NULL, NULL, 2, "T", NULL, &requests,
                            NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_prepare_batch(NULL, list, NULL, 2, "T", NULL, &requests, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", list, NULL, 2, "T", NULL, NULL, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", list, bad_refs, 2, "T", NULL, &requests,
                            NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_prepare_batch(BAD_UTF8, list, NULL, 2, "T", NULL, &requests, NULL) ==
        CRMNF_INVALID_UTF8);
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", list, NULL, 2, BAD_UTF8, NULL,
                            &requests, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", list, NULL, 2, "T", BAD_UTF8,
                            &requests, NULL) == CRMNF_INVALID_UTF8);
  CHECK(requests == SENTINEL);
  CHECK(crmnf_requests_count(NULL) == 0);
  CHECK(crmnf_requests_get(NULL, 0) == NULL);
  crmnf_charges_free(charges);

  /* A charge without a customer (projected away) is reported at its index in the input. */
  const char *projected = "{\"data\":{\"charges_set\":[{\"number\":\"I1\"},{\"number\":\"I2\"}]},"
                          "\"status\":{\"code\":\"OK\"}}";
  charges = NULL;
  CHECK(crmnf_charges_decode((const uint8_t *)projected, strlen(projected), "number", &charges,
                             NULL) == CRMNF_OK);
  const crmnf_charge *two[2] = {crmnf_charges_get(charges, 0), crmnf_charges_get(charges, 1)};
  err = NULL;
  CHECK(crmnf_prepare_batch("netflix/charges/acknowledge", two, NULL, 2, "T", NULL, &requests,
                            &err) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 2);
  CHECK(has_violation(err, 0, "acknowledged_charges_set[0].billing_system_customer_identifier",
                      "required"));
  CHECK(has_violation(err, 1, "acknowledged_charges_set[1].billing_system_customer_identifier",
                      "required"));
  crmnf_error_free(err);
  crmnf_charges_free(charges);
}

static void test_errors_of_null(void) {
  CHECK(crmnf_error_code(NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_error_message(NULL) == NULL);
  CHECK(crmnf_error_violation_count(NULL) == 0);
  CHECK(crmnf_error_violation_path(NULL, 0) == NULL);
  CHECK(crmnf_error_violation_code(NULL, 0) == NULL);
  CHECK(crmnf_error_violation_message(NULL, 0) == NULL);
  CHECK(crmnf_error_api_code(NULL) == NULL);
  CHECK(crmnf_error_api_description(NULL) == NULL);
  CHECK(crmnf_error_api_message(NULL) == NULL);
  CHECK(crmnf_error_path(NULL) == NULL);
  /* Freeing NULL is a no-op, for every kind of object. */
  crmnf_error_free(NULL);
  crmnf_request_free(NULL);
  crmnf_requests_free(NULL);
  crmnf_charges_free(NULL);
  crmnf_charge_sync_free(NULL);
  crmnf_string_free(NULL);
  passed++;
}

/* ---- ChargeSync ---------------------------------------------------------------------------- */

static char *next_request_json(crmnf_charge_sync *sync, crmnf_request **out) {
  crmnf_error *err = NULL;
  crmnf_status s = crmnf_charge_sync_next_request(sync, "T", out, &err);
  if (s != CRMNF_OK) {
    printf("next_request: %s\n", crmnf_error_message(err));
  }
  crmnf_error_free(err);
  return *out ? strdup(crmnf_request_json(*out, NULL)) : NULL;
}

static void test_charge_sync_loop(void) {
  crmnf_charge_sync *sync = NULL;
  crmnf_error *err = NULL;
  CHECK(crmnf_charge_sync_new(NULL, &sync, &err) == CRMNF_OK);
  CHECK(!crmnf_charge_sync_is_finished(sync));

  /* Feeding before a request is out is refused. */
  const char *empty = "{\"data\":{\"charges_set\":[]},\"status\":{\"code\":\"OK\"}}";
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)empty, strlen(empty), &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "request", "required"));
  crmnf_error_free(err);
  err = NULL;

  crmnf_request *request = NULL;
  char *json = next_request_json(sync, &request);
  CHECK(json && strstr(json, "\"netflix/charges/list\"") && strstr(json, "[\"offset\",\"0\"]"));
  CHECK_STR(crmnf_request_verb(request), "GET");
  crmnf_request_free(request);
  free(json);

  /* An expired token: an API error that changes nothing; the same request comes again. */
  const char *expired = "{\"status\":{\"code\":\"ERROR\",\"description\":\"Invalid token\","
                        "\"message\":null},\"data\":null}";
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)expired, strlen(expired), &err) ==
        CRMNF_API_ERROR);
  CHECK_STR(crmnf_error_api_description(err), "Invalid token");
  crmnf_error_free(err);
  err = NULL;
  request = NULL;
  CHECK(crmnf_charge_sync_next_request(sync, "T2", &request, &err) == CRMNF_OK);
  CHECK(strstr(crmnf_request_query(request, NULL), "token=T2&") != NULL);
  crmnf_request_free(request);

  /* A page of 50 (full page: more may follow). */
  char *page = page_of(50, 0);
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)page, strlen(page), &err) == CRMNF_OK);
  free(page);
  crmnf_charges *taken = NULL;
  CHECK(crmnf_charge_sync_take_charges(sync, &taken, &err) == CRMNF_OK);
  CHECK(crmnf_charges_count(taken) == 50);
  CHECK(!crmnf_charge_redelivered(crmnf_charges_get(taken, 0)));

  /* Save before billing; bill the first 10 and confirm them. */
  char *saved = NULL;
  CHECK(crmnf_charge_sync_save(sync, &saved, &err) == CRMNF_OK);
  CHECK(saved && strstr(saved, "\"format\":2") != NULL && strstr(saved, "\"T2\"") == NULL);
  const char *numbers[10];
  for (size_t i = 0; i < 10; i++) {
    numbers[i] = crmnf_charge_number(crmnf_charges_get(taken, i), NULL);
  }
  size_t newly = 0;
  CHECK(crmnf_charge_sync_confirm(sync, numbers, 10, &newly, &err) == CRMNF_OK && newly == 10);
  CHECK(crmnf_charge_sync_confirm(sync, numbers, 10, &newly, &err) == CRMNF_OK && newly == 0);
  bool fresh = false;
  const char *n10 = crmnf_charge_number(crmnf_charges_get(taken, 10), NULL);
  const char *n11 = crmnf_charge_number(crmnf_charges_get(taken, 11), NULL);
  CHECK(crmnf_charge_sync_confirm_with_reference(sync, n10, "REF-10", &fresh, &err) == CRMNF_OK &&
        fresh);
  CHECK(crmnf_charge_sync_confirm_with_reference(sync, n11, "REF-10", &fresh, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "reference_number", "duplicate"));
  crmnf_error_free(err);
  err = NULL;
  const char *unknown[2] = {numbers[0], "I99999999"};
  newly = 77;
  CHECK(crmnf_charge_sync_confirm(sync, unknown, 2, &newly, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "numbers[1]", "invalid_enum"));
  CHECK(newly == 77);
  crmnf_error_free(err);
  err = NULL;

  /* The acknowledgement of the 11 confirmed charges comes before the next page. */
  request = NULL;
  json = next_request_json(sync, &request);
  CHECK(json && strstr(json, "\"netflix/charges/acknowledge\"") && strstr(json, "REF-10"));
  CHECK_STR(crmnf_request_verb(request), "POST");
  crmnf_request_free(request);
  free(json);
  const char *acknowledged = "{\"data\":{},\"status\":{\"code\":\"OK\"}}";
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)acknowledged, strlen(acknowledged), &err) ==
        CRMNF_OK);

  /* A saved state holding a charge that decode would refuse (a NUL in its number, a year-0
   * date) is refused as a whole, so that no accessor meets such a charge after a resume. */
  {
    const char *needles[2] = {"\"number\":\"", "\"received_on\":\""};
    const char *changes[2] = {"\\u0000", "0000"};
    for (size_t k = 0; k < 2; k++) {
      const char *at = strstr(saved, needles[k]);
      CHECK(at != NULL);
      size_t head = (size_t)(at - saved) + strlen(needles[k]);
      size_t keep = k == 0 ? 0 : 4; /* the NUL goes in front; the year is replaced */
      char *bad = malloc(strlen(saved) + strlen(changes[k]) + 1);
      memcpy(bad, saved, head);
      strcpy(bad + head, changes[k]);
      strcat(bad, saved + head + keep);
      crmnf_charge_sync *refused = SENTINEL;
      err = NULL;
      CHECK(crmnf_charge_sync_resume(bad, &refused, &err) == CRMNF_INVALID_REQUEST);
      CHECK(refused == SENTINEL);
      CHECK(has_violation(err, 0, "state", "invalid_format"));
      const char *message = crmnf_error_message(err);
      CHECK(message && strstr(message, k == 0 ? "number" : "received_on") != NULL);
      crmnf_error_free(err);
      err = NULL;
      free(bad);
    }
  }

  /* Resume from the state saved before billing: the 50 come again, marked redelivered. */
  crmnf_charge_sync *resumed = NULL;
  CHECK(crmnf_charge_sync_resume(saved, &resumed, &err) == CRMNF_OK);
  crmnf_charges *again = NULL;
  CHECK(crmnf_charge_sync_take_charges(resumed, &again, &err) == CRMNF_OK);
  CHECK(crmnf_charges_count(again) == 50);
  CHECK(crmnf_charge_redelivered(crmnf_charges_get(again, 0)));
  crmnf_charges_free(again);
  crmnf_charge_sync_free(resumed);
  crmnf_string_free(saved);

  /* Next page: offset 39 (50 listed, 11 acknowledged from in front of the cursor); then the rest
   * is confirmed and acknowledged; a short page ends the run. */
  request = NULL;
  json = next_request_json(sync, &request);
  CHECK(json && strstr(json, "[\"offset\",\"39\"]"));
  crmnf_request_free(request);
  free(json);
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)empty, strlen(empty), &err) == CRMNF_OK);
  const char *rest[39];
  for (size_t i = 11; i < 50; i++) {
    rest[i - 11] = crmnf_charge_number(crmnf_charges_get(taken, i), NULL);
  }
  CHECK(crmnf_charge_sync_confirm(sync, rest, 39, NULL, &err) == CRMNF_OK);
  request = NULL;
  json = next_request_json(sync, &request);
  CHECK(json && strstr(json, "\"netflix/charges/acknowledge\""));
  crmnf_request_free(request);
  free(json);
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)acknowledged, strlen(acknowledged), &err) ==
        CRMNF_OK);
  request = SENTINEL;
  CHECK(crmnf_charge_sync_next_request(sync, "T", &request, &err) == CRMNF_OK);
  CHECK(request == NULL);
  CHECK(crmnf_charge_sync_is_finished(sync));
  /* The run is over, and an empty token is still the documented error, not OK. */
  request = SENTINEL;
  err = NULL;
  CHECK(crmnf_charge_sync_next_request(sync, "", &request, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "token", "required"));
  CHECK(request == SENTINEL);
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_charge_sync_next_request(sync, "T\x07", &request, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "token", "invalid_format"));
  CHECK(request == SENTINEL);
  crmnf_error_free(err);
  err = NULL;
  crmnf_charges_free(taken);

  char *report = NULL;
  CHECK(crmnf_charge_sync_report(sync, &report, &err) == CRMNF_OK);
  char parse_error[128];
  json_value *r = report ? json_parse(report, strlen(report), parse_error, sizeof parse_error) : NULL;
  const json_value *ack = json_get(r, "acknowledged");
  const json_value *total = json_get(json_get(r, "billable_total"), "USD");
  CHECK(ack && ack->type == JSON_NUMBER && ack->number == 50);
  CHECK(total && json_string(total) && strcmp(json_string(total), "299.50") == 0);
  CHECK(json_get(r, "finished") && json_get(r, "finished")->boolean);
  json_free(r);
  crmnf_string_free(report);

  /* The next night. */
  CHECK(crmnf_charge_sync_start_run(sync, &err) == CRMNF_OK);
  CHECK(!crmnf_charge_sync_is_finished(sync));
  request = NULL;
  json = next_request_json(sync, &request);
  CHECK(json && strstr(json, "[\"offset\",\"0\"]"));
  crmnf_request_free(request);
  free(json);
  CHECK(err == NULL);
  crmnf_charge_sync_free(sync);
}

static void test_charge_sync_bad_input(void) {
  crmnf_charge_sync *sync = SENTINEL;
  crmnf_error *err = NULL;
  CHECK(crmnf_charge_sync_new("{\"page_size\":51,\"max_ack_attempts\":0}", &sync, &err) ==
        CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 2);
  CHECK(has_violation(err, 0, "max_ack_attempts", "out_of_range"));
  CHECK(has_violation(err, 1, "page_size", "out_of_range"));
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_charge_sync_new("{\"mode\":\"acknowledge\",\"charge_status\":\"NOT_PROCESSED\"}",
                              &sync, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "charge_status", "invalid_enum"));
  crmnf_error_free(err);
  err = NULL;
  CHECK(crmnf_charge_sync_new("{\"page_size\":", &sync, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "options", "invalid_format"));
  crmnf_error_free(err);
  CHECK(crmnf_charge_sync_new("{\"release\":\"R99\"}", &sync, NULL) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_charge_sync_new(BAD_UTF8, &sync, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_charge_sync_new(NULL, NULL, NULL) == CRMNF_NULL_ARGUMENT);
  err = NULL;
  CHECK(crmnf_charge_sync_resume("{\"format\":1", &sync, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "state", "invalid_format"));
  crmnf_error_free(err);
  CHECK(crmnf_charge_sync_resume("[]", &sync, NULL) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_charge_sync_resume(NULL, &sync, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_resume(BAD_UTF8, &sync, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_charge_sync_resume("{}", NULL, NULL) == CRMNF_NULL_ARGUMENT);
  char *deep = nested(100000, "[", "]");
  CHECK(crmnf_charge_sync_resume(deep, &sync, NULL) == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_charge_sync_new(deep, &sync, NULL) == CRMNF_INVALID_REQUEST);
  free(deep);
  CHECK(sync == SENTINEL);

  /* A read-only sync, and every function with NULL arguments. */
  sync = NULL;
  CHECK(crmnf_charge_sync_new("{\"mode\":\"read_only\",\"charge_status\":\"NOT_PROCESSED\","
                              "\"release\":\"R14.1.0\",\"page_size\":10}",
                              &sync, NULL) == CRMNF_OK);
  crmnf_request *request = SENTINEL;
  char *text = SENTINEL;
  crmnf_charges *charges = SENTINEL;
  size_t newly = 5;
  bool fresh = true;
  const char *numbers[1] = {NULL};
  const char *bad_numbers[1] = {BAD_UTF8};
  const char *empty = "{\"data\":{\"charges_set\":[]},\"status\":{\"code\":\"OK\"}}";
  CHECK(crmnf_charge_sync_next_request(NULL, "T", &request, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_next_request(sync, NULL, &request, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_next_request(sync, "T", NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_next_request(sync, BAD_UTF8, &request, NULL) == CRMNF_INVALID_UTF8);
  err = NULL;
  CHECK(crmnf_charge_sync_next_request(sync, " ", &request, &err) == CRMNF_INVALID_REQUEST);
  CHECK(has_violation(err, 0, "token", "required"));
  crmnf_error_free(err);
  CHECK(crmnf_charge_sync_feed(NULL, (const uint8_t *)empty, 3, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_feed(sync, NULL, 3, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_take_charges(NULL, &charges, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_take_charges(sync, NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm(NULL, numbers, 0, &newly, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm(sync, NULL, 1, &newly, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm(sync, numbers, 1, &newly, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm(sync, bad_numbers, 1, &newly, NULL) == CRMNF_INVALID_UTF8);
  CHECK(crmnf_charge_sync_confirm(sync, NULL, 0, &newly, NULL) == CRMNF_OK && newly == 0);
  CHECK(crmnf_charge_sync_confirm_with_reference(NULL, "I1", "R", &fresh, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm_with_reference(sync, NULL, "R", &fresh, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm_with_reference(sync, "I1", NULL, &fresh, NULL) ==
        CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_confirm_with_reference(sync, "I1", BAD_UTF8, &fresh, NULL) ==
        CRMNF_INVALID_UTF8);
  CHECK(crmnf_charge_sync_confirm_with_reference(sync, "I1", "R", &fresh, NULL) ==
        CRMNF_INVALID_REQUEST);
  CHECK(fresh);
  CHECK(crmnf_charge_sync_save(NULL, &text, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_save(sync, NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_report(NULL, &text, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_report(sync, NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(crmnf_charge_sync_start_run(NULL, NULL) == CRMNF_NULL_ARGUMENT);
  CHECK(!crmnf_charge_sync_is_finished(NULL));
  CHECK(request == SENTINEL && text == SENTINEL && charges == SENTINEL);

  /* Read-only: a short page ends the run and nothing is acknowledged. */
  request = NULL;
  CHECK(crmnf_charge_sync_next_request(sync, "T", &request, NULL) == CRMNF_OK);
  CHECK(strstr(crmnf_request_query(request, NULL), "charge_status=NOT_PROCESSED") != NULL);
  crmnf_request_free(request);
  CHECK(crmnf_charge_sync_feed(sync, (const uint8_t *)empty, strlen(empty), NULL) == CRMNF_OK);
  CHECK(crmnf_charge_sync_is_finished(sync));
  crmnf_charge_sync_free(sync);
}

/* ---- Threads: one list read from several threads at once --------------------------------------- */

static void *read_all(void *arg) {
  const crmnf_charges *charges = arg;
  long sum = 0;
  for (size_t i = 0; i < crmnf_charges_count(charges); i++) {
    const crmnf_charge *c = crmnf_charges_get(charges, i);
    int64_t minor = 0;
    crmnf_charge_amount_minor_units(c, &minor);
    sum += (long)minor + (long)strlen(crmnf_charge_number(c, NULL)) +
           (long)strlen(crmnf_charge_amount_exact(c, NULL)) + (long)strlen(crmnf_charge_json(c, NULL));
  }
  return (void *)sum;
}

static void test_threads(void) {
  char *body = page_of(50, 100);
  crmnf_charges *charges = decode_charges(body);
  free(body);
  pthread_t threads[4];
  void *sums[4];
  for (int i = 0; i < 4; i++) {
    CHECK(pthread_create(&threads[i], NULL, read_all, charges) == 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(threads[i], &sums[i]);
  }
  CHECK(sums[0] == sums[1] && sums[1] == sums[2] && sums[2] == sums[3]);
  CHECK((long)sums[0] > 50 * 599);
  crmnf_charges_free(charges);
}

int main(void) {
  test_version_and_status_names();
  test_prepare_get_and_post();
  test_prepare_violations();
  test_prepare_bad_arguments();
  test_validate();
  test_decode();
  test_project();
  test_charges();
  test_charges_decode_errors_and_fields_set();
  test_prepare_batch();
  test_errors_of_null();
  test_charge_sync_loop();
  test_charge_sync_bad_input();
  test_threads();
  printf("c api: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

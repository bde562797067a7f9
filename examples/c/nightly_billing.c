/*
 * nightly_billing.c: the nightly Netflix billing job of an operator, in C, on libcrmnf.
 *
 * Each night the job logs in, takes the processed Netflix charges 50 at a time, bills the approved
 * ones (in exact integer minor units), confirms every charge it has dealt with so that it is
 * acknowledged and drops out of later lists, and accepts the charges still pending. The charge loop
 * is libcrmnf's ChargeSync: it never skips a charge and never hands one over twice, and its state is
 * saved after every step (write ahead) so that a crash at any point bills nothing twice.
 *
 * libcrmnf does no I/O: the job does its HTTP through the `http_send` function pointer below. Two
 * are plugged in here:
 *
 * - libcurl, the HTTP library of most C billing systems, when a server is named: the job then
 *   talks to that CRM.COM (or to the mock server, `crmnf mock`) over real HTTP, logging in with
 *   CRMNF_USERNAME, CRMNF_PASSWORD and CRMNF_ORGANISATION from the environment;
 * - otherwise an in-memory fake CRM.COM that serves the documented example payloads of the API
 *   reference (the login response, the charges/list page, the accept response) and, between the
 *   two nights it runs, processes the charges it was asked to accept, as CRM.COM would.
 *
 * Build and run (see docs/c.md):
 *   cc -std=c11 nightly_billing.c $(pkg-config --cflags --libs crmnf libcurl) -o nightly_billing
 *   ./nightly_billing                          # against the in-memory fake
 *   ./nightly_billing http://127.0.0.1:8080    # against a server: its root, as crmnf mock prints it
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crmnf.h>
#include <curl/curl.h>

/* ---- The caller's HTTP ------------------------------------------------------------------------ */

typedef struct http_response {
  int status;     /* HTTP status code */
  char *body;     /* malloc'd; the caller frees it */
  size_t body_len;
} http_response;

/* Sends one request; returns 0 when a response came (whatever its status), non-zero when none did.
 * `body` is NULL for a GET. */
typedef int (*http_send)(void *ctx, const char *verb, const char *url, const char *body,
                         size_t body_len, http_response *out);

/* The API root; the in-memory fake answers for this one. */
static char base_url[512] = "https://crm.example.com/crmapi/rest/v2";

/* Sends a prepared request; NULL when no response came. */
static char *send_request(http_send send, void *ctx, const crmnf_request *request, size_t *len) {
  char *url = NULL;
  crmnf_error *err = NULL;
  if (crmnf_request_url(request, base_url, &url, &err) != CRMNF_OK) {
    fprintf(stderr, "url: %s\n", crmnf_error_message(err));
    crmnf_error_free(err);
    return NULL;
  }
  size_t body_len = 0;
  const char *body = crmnf_request_body(request, &body_len);
  http_response response = {0, NULL, 0};
  int failed = send(ctx, crmnf_request_verb(request), url, body, body_len, &response);
  crmnf_string_free(url);
  if (failed) {
    free(response.body);
    return NULL;
  }
  *len = response.body_len;
  return response.body;
}

static void print_error(const char *what, const crmnf_error *err) {
  fprintf(stderr, "%s: %s\n", what, crmnf_error_message(err));
  for (size_t i = 0; i < crmnf_error_violation_count(err); i++) {
    fprintf(stderr, "  %s: %s (%s)\n", crmnf_error_violation_path(err, i),
            crmnf_error_violation_message(err, i), crmnf_error_violation_code(err, i));
  }
}

/* ---- Logging in --------------------------------------------------------------------------------- */

/* Appends `s` to `out` as a JSON string (quoted and escaped); returns the new length, or `cap` when
 * it does not fit. */
static size_t json_string(char *out, size_t len, size_t cap, const char *s) {
  if (len + 1 >= cap) {
    return cap;
  }
  out[len++] = '"';
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    int n = (c == '"' || c == '\\') ? snprintf(out + len, cap - len, "\\%c", c)
            : (c < 0x20)             ? snprintf(out + len, cap - len, "\\u%04x", c)
                                     : snprintf(out + len, cap - len, "%c", c);
    if (n < 0 || (size_t)n >= cap - len) {
      return cap;
    }
    len += (size_t)n;
  }
  if (len + 2 > cap) {
    return cap;
  }
  out[len++] = '"';
  out[len] = '\0';
  return len;
}

/* The login parameters: CRMNF_USERNAME, CRMNF_PASSWORD and CRMNF_ORGANISATION from the environment
 * when they are set, else the documentation's example user. Returns 0 when they fit in `out`. */
static int credentials(char *out, size_t cap) {
  const char *user = getenv("CRMNF_USERNAME");
  const char *password = getenv("CRMNF_PASSWORD");
  const char *organisation = getenv("CRMNF_ORGANISATION");
  if (!user || !password || !organisation) {
    snprintf(out, cap, "{\"username\":\"mpadministrator\",\"password\":\"1234\","
                       "\"organisation\":\"CRMDEMO\",\"unit\":\"EE63A82C4FEBE02FF34E90DD1EBA5ABE\"}");
    return 0;
  }
  size_t len = (size_t)snprintf(out, cap, "{\"username\":");
  len = json_string(out, len, cap, user);
  len = len < cap ? len + (size_t)snprintf(out + len, cap - len, ",\"password\":") : cap;
  len = len < cap ? json_string(out, len, cap, password) : cap;
  len = len < cap ? len + (size_t)snprintf(out + len, cap - len, ",\"organisation\":") : cap;
  len = len < cap ? json_string(out, len, cap, organisation) : cap;
  if (len + 2 > cap) {
    return -1;
  }
  out[len++] = '}';
  out[len] = '\0';
  return 0;
}

/* Logs in; returns the token (malloc'd) or NULL. */
static char *log_in(http_send send, void *ctx) {
  crmnf_request *request = NULL;
  crmnf_error *err = NULL;
  char params[1024];
  if (credentials(params, sizeof params) != 0) {
    fprintf(stderr, "login: the credentials are too long\n");
    return NULL;
  }
  if (crmnf_prepare("authentication/token", params, NULL, NULL, &request, &err) != CRMNF_OK) {
    print_error("login", err);
    crmnf_error_free(err);
    return NULL;
  }
  size_t len = 0;
  char *body = send_request(send, ctx, request, &len);
  crmnf_request_free(request);
  if (!body) {
    return NULL;
  }
  char *data = NULL;
  crmnf_status status = crmnf_decode("authentication/token", (const uint8_t *)body, len, NULL,
                                     &data, &err);
  free(body);
  if (status != CRMNF_OK) {
    print_error("login", err);
    crmnf_error_free(err);
    return NULL;
  }
  /* The normalized data is compact JSON, {"token":"..."}; the token is opaque text. */
  char *token = NULL;
  const char *start = strstr(data, "\"token\":\"");
  if (start) {
    start += strlen("\"token\":\"");
    const char *end = strchr(start, '"');
    if (end) {
      token = strndup(start, (size_t)(end - start));
    }
  }
  crmnf_string_free(data);
  return token;
}

/* ---- Billing ------------------------------------------------------------------------------------ */

/* The billing system's own ledger: the charge numbers it has billed, so that a charge handed over
 * again (redelivered after a crash) is never billed twice. */
typedef struct ledger {
  char numbers[256][32];
  size_t count;
  int64_t billed_minor; /* in USD cents, for the summary of this example */
} ledger;

static int ledger_has(const ledger *l, const char *number) {
  for (size_t i = 0; i < l->count; i++) {
    if (strcmp(l->numbers[i], number) == 0) {
      return 1;
    }
  }
  return 0;
}

/* Does what the library says to do with a charge (crmnf_charge_billing_action): bills it once,
 * records it as not billed, or leaves it; returns whether the billing system has dealt with it,
 * so that it can be confirmed. */
static int bill(ledger *l, const crmnf_charge *charge) {
  const char *number = crmnf_charge_number(charge, NULL);
  const char *customer = crmnf_charge_billing_system_customer_identifier(charge, NULL);
  if (!number) {
    return 0;
  }
  switch (crmnf_charge_billing_action(charge)) {
  case CRMNF_BILLING_ACTION_BILL: {
    int64_t minor = 0;
    uint32_t exponent = 0;
    crmnf_charge_amount_minor_units(charge, &minor);
    crmnf_charge_amount_minor_unit_exponent(charge, &exponent);
    if (ledger_has(l, number)) {
      printf("  %s already billed (redelivered), not billed again\n", number);
    } else if (l->count < 256) {
      snprintf(l->numbers[l->count++], sizeof l->numbers[0], "%s", number);
      l->billed_minor += minor;
      printf("  bill %-8s %s %s (%" PRId64 " minor units, exponent %" PRIu32 ")\n",
             customer ? customer : "?", crmnf_charge_amount_exact(charge, NULL),
             crmnf_charge_currency(charge, NULL), minor, exponent);
    } else {
      return 0;
    }
    return 1;
  }
  case CRMNF_BILLING_ACTION_RECORD:
    printf("  %s is %s: not billed\n", number, crmnf_charge_charge_status_text(charge, NULL));
    return 1;
  case CRMNF_BILLING_ACTION_LEAVE:
    break;
  }
  /* Pending, a status this library does not know, or approved but not priceable: leave it on
   * the server. */
  printf("  %s is %s: left for a later night\n", number,
         crmnf_charge_charge_status_text(charge, NULL));
  return 0;
}

/* ---- The charge loop ----------------------------------------------------------------------------- */

/* Where the job keeps the sync's state between steps; a real system writes it to its database in
 * the same transaction as its ledger. */
static char *saved_state;

static int save(const crmnf_charge_sync *sync) {
  char *state = NULL;
  crmnf_error *err = NULL;
  if (crmnf_charge_sync_save(sync, &state, &err) != CRMNF_OK) {
    print_error("save", err);
    crmnf_error_free(err);
    return -1;
  }
  crmnf_string_free(saved_state);
  saved_state = state;
  return 0;
}

/* Runs the charge loop until the run is over. Returns 0 on success. */
static int run_charges(crmnf_charge_sync *sync, http_send send, void *ctx, char **token,
                       ledger *l) {
  int logins = 0;
  for (;;) {
    crmnf_request *request = NULL;
    crmnf_error *err = NULL;
    if (crmnf_charge_sync_next_request(sync, *token, &request, &err) != CRMNF_OK) {
      print_error("next request", err);
      crmnf_error_free(err);
      return -1;
    }
    if (!request) {
      return 0; /* the run is over */
    }
    if (save(sync) != 0) {
      crmnf_request_free(request);
      return -1;
    }
    size_t len = 0;
    char *body = send_request(send, ctx, request, &len);
    crmnf_request_free(request);
    if (!body) {
      return -1; /* no response: run again later; the saved state resends the same request */
    }
    crmnf_status status = crmnf_charge_sync_feed(sync, (const uint8_t *)body, len, &err);
    free(body);
    if (status == CRMNF_API_ERROR && logins++ < 1) {
      /* Most likely an expired token: log in again; the same request is handed out again. */
      crmnf_error_free(err);
      free(*token);
      *token = log_in(send, ctx);
      if (!*token) {
        return -1;
      }
      continue;
    }
    if (status != CRMNF_OK) {
      print_error("response", err);
      crmnf_error_free(err);
      return -1;
    }
    save(sync);

    crmnf_charges *charges = NULL;
    if (crmnf_charge_sync_take_charges(sync, &charges, &err) != CRMNF_OK) {
      print_error("take charges", err);
      crmnf_error_free(err);
      return -1;
    }
    save(sync); /* before billing: a crash now hands these charges over again, redelivered */

    size_t n = crmnf_charges_count(charges);
    const char **done = calloc(n ? n : 1, sizeof *done);
    size_t confirmed = 0;
    for (size_t i = 0; i < n; i++) {
      const crmnf_charge *charge = crmnf_charges_get(charges, i);
      if (bill(l, charge)) {
        done[confirmed++] = crmnf_charge_number(charge, NULL);
      }
    }
    status = crmnf_charge_sync_confirm(sync, done, confirmed, NULL, &err);
    free(done);
    crmnf_charges_free(charges);
    if (status != CRMNF_OK) {
      print_error("confirm", err);
      crmnf_error_free(err);
      return -1;
    }
    save(sync);
  }
}

/* Accepts the charges still pending, in requests of at most 50. Returns 0 on success. */
static int accept_pending(http_send send, void *ctx, const char *token) {
  crmnf_charge_sync *pass = NULL;
  crmnf_error *err = NULL;
  if (crmnf_charge_sync_new("{\"mode\":\"read_only\",\"charge_status\":\"NOT_PROCESSED\"}", &pass,
                            &err) != CRMNF_OK) {
    print_error("pending pass", err);
    crmnf_error_free(err);
    return -1;
  }
  int result = 0;
  crmnf_request *request = NULL;
  while (result == 0 && crmnf_charge_sync_next_request(pass, token, &request, &err) == CRMNF_OK &&
         request) {
    size_t len = 0;
    char *body = send_request(send, ctx, request, &len);
    crmnf_request_free(request);
    if (!body || crmnf_charge_sync_feed(pass, (const uint8_t *)body, len, &err) != CRMNF_OK) {
      result = -1;
    }
    free(body);
    crmnf_charges *charges = NULL;
    if (result == 0 && crmnf_charge_sync_take_charges(pass, &charges, &err) == CRMNF_OK) {
      size_t n = crmnf_charges_count(charges);
      const crmnf_charge **pending = calloc(n ? n : 1, sizeof *pending);
      size_t count = 0;
      for (size_t i = 0; i < n; i++) {
        const crmnf_charge *c = crmnf_charges_get(charges, i);
        if (crmnf_charge_is_pending(c)) {
          pending[count++] = c;
        }
      }
      crmnf_requests *batches = NULL;
      if (crmnf_prepare_batch("netflix/charges/accept", pending, NULL, count, token, NULL, &batches,
                              &err) != CRMNF_OK) {
        result = -1;
      }
      for (size_t b = 0; result == 0 && b < crmnf_requests_count(batches); b++) {
        char *reply = send_request(send, ctx, crmnf_requests_get(batches, b), &len);
        char *data = NULL;
        if (!reply || crmnf_decode("netflix/charges/accept", (const uint8_t *)reply, len, NULL,
                                   &data, &err) != CRMNF_OK) {
          result = -1;
        } else {
          printf("  accepted %zu pending charge(s); the server answered %s\n", count, data);
        }
        crmnf_string_free(data);
        free(reply);
      }
      crmnf_requests_free(batches);
      free(pending);
      crmnf_charges_free(charges);
    }
  }
  if (err) {
    print_error("pending pass", err);
    crmnf_error_free(err);
    result = -1;
  }
  crmnf_charge_sync_free(pass);
  return result;
}

/* ---- HTTP with libcurl ---------------------------------------------------------------------------- */

static size_t collect(char *data, size_t size, size_t count, void *userp) {
  http_response *out = userp;
  size_t n = size * count;
  char *grown = realloc(out->body, out->body_len + n + 1);
  if (!grown) {
    return 0; /* curl reports a write error */
  }
  memcpy(grown + out->body_len, data, n);
  out->body_len += n;
  grown[out->body_len] = '\0';
  out->body = grown;
  return n;
}

/* The method path of a request URL, for messages: the URL itself carries the token in a GET's
 * query string and must never be printed. */
static void method_of(const char *url, char *out, size_t cap) {
  const char *p = strstr(url, "/crmapi/rest/v2/");
  p = p ? p + strlen("/crmapi/rest/v2/") : "?";
  size_t n = strcspn(p, "?");
  snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

static int curl_send(void *ctx, const char *verb, const char *url, const char *body,
                     size_t body_len, http_response *out) {
  CURL *curl = ctx;
  curl_easy_reset(curl);
  struct curl_slist *headers = curl_slist_append(NULL, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, url);
  if (strcmp(verb, "POST") == 0) {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "crmnf-nightly-billing-example");
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    char method[128];
    method_of(url, method, sizeof method);
    fprintf(stderr, "%s %s: %s\n", verb, method, curl_easy_strerror(rc));
    return -1;
  }
  out->status = (int)status;
  if (!out->body) {
    out->body = calloc(1, 1);
  }
  return out->body ? 0 : -1;
}

/* ---- A fake CRM.COM that serves the documented example payloads ---------------------------------- */

static const char *LOGIN_RESPONSE =
    "{\n    \"status\": {\n        \"code\": \"OK\",\n        \"message\": null,\n"
    "        \"description\": null\n    },\n    \"data\": {\n"
    "        \"token\": \"4AD9C84FA60F9FE407140E20F707726A\"\n    }\n}";

/* The five charges of the documented charges/list example, in its order. */
static const char *DOCUMENTED_CHARGES[5] = {
    "{\"set_as_rejected_request_on\": \"2017-02-06T07:22:07\", \"number\": \"I00002662\", "
    "\"amount\": 5.989999771118164, \"charge_status\": \"%s\", "
    "\"billing_system_customer_identifier\": \"pci150\", \"set_as_bad_request_on\": null, "
    "\"set_as_approved_on\": null, \"paid_through_date\": \"2017-02-04T02:00:00\", "
    "\"currency\": \"USD\", \"received_on\": \"2017-02-06T07:18:47\", "
    "\"set_as_declined_on\": null}",
    "{\"set_as_rejected_request_on\": \"2017-02-06T07:22:07\", \"number\": \"I00002671\", "
    "\"amount\": 5.989999771118164, \"charge_status\": \"%s\", "
    "\"billing_system_customer_identifier\": \"pci150\", \"set_as_bad_request_on\": null, "
    "\"set_as_approved_on\": null, \"paid_through_date\": \"2017-02-04T02:00:00\", "
    "\"currency\": \"USD\", \"received_on\": \"2016-07-06T07:18:47\", "
    "\"set_as_declined_on\": null}",
    "{\"set_as_rejected_request_on\": null, \"number\": \"I00002776\", "
    "\"amount\": 5.989999771118164, \"charge_status\": \"%s\", "
    "\"billing_system_customer_identifier\": \"1pci30\", \"set_as_bad_request_on\": null, "
    "\"set_as_approved_on\": \"2017-02-21T10:38:58\", \"paid_through_date\": "
    "\"2017-02-19T02:00:00\", \"currency\": \"USD\", \"received_on\": \"2017-02-21T10:07:23\", "
    "\"set_as_declined_on\": null}",
    "{\"set_as_rejected_request_on\": null, \"number\": \"I00002778\", "
    "\"amount\": 2.990000009536743, \"charge_status\": \"%s\", "
    "\"billing_system_customer_identifier\": \"1pci28\", \"set_as_bad_request_on\": null, "
    "\"set_as_approved_on\": \"2017-02-21T10:38:58\", \"paid_through_date\": "
    "\"2017-02-19T02:00:00\", \"currency\": \"USD\", \"received_on\": \"2017-02-21T10:07:24\", "
    "\"set_as_declined_on\": null}",
    "{\"set_as_rejected_request_on\": null, \"number\": \"I00002780\", "
    "\"amount\": 1.9900000095367432, \"charge_status\": \"%s\", "
    "\"billing_system_customer_identifier\": \"1pci26\", \"set_as_bad_request_on\": null, "
    "\"set_as_approved_on\": \"2017-02-21T10:38:58\", \"paid_through_date\": "
    "\"2017-02-19T02:00:00\", \"currency\": \"USD\", \"received_on\": \"2017-02-21T10:07:24\", "
    "\"set_as_declined_on\": null}",
};

/* The documented accept response; acknowledge answers in the same shape (its own example is cut
 * off in the reference). */
static const char *ACCEPT_RESPONSE =
    " {\n    \"data\": {},\n    \"status\": {\n        \"code\": \"OK\",\n"
    "        \"description\": \"\",\n        \"message\": \"\"\n    }\n}";

typedef struct fake_crm {
  const char *status[5]; /* PENDING, APPROVED (after an accept and a night) */
  int accepted[5];
  int acknowledged[5];
  int requests;
} fake_crm;

static long query_number(const char *url, const char *name) {
  const char *p = strstr(url, name);
  return p ? strtol(p + strlen(name), NULL, 10) : 0;
}

static char *copy(const char *s, size_t *len) {
  *len = strlen(s);
  return strdup(s);
}

static int fake_send(void *ctx, const char *verb, const char *url, const char *body,
                     size_t body_len, http_response *out) {
  fake_crm *crm = ctx;
  (void)verb;
  (void)body_len;
  crm->requests++;
  out->status = 200;
  if (strstr(url, "/authentication/token")) {
    out->body = copy(LOGIN_RESPONSE, &out->body_len);
  } else if (strstr(url, "/netflix/charges/list?")) {
    int processed = strstr(url, "charge_status=PROCESSED") != NULL;
    long offset = query_number(url, "offset=");
    long size = query_number(url, "number_of_results=");
    size_t cap = 4096, len = 0;
    char *page = malloc(cap);
    len += (size_t)snprintf(page, cap, "{\"data\": {\"charges_set\": [");
    long seen = 0, listed = 0;
    for (int i = 0; i < 5; i++) {
      int is_processed = strcmp(crm->status[i], "PENDING") != 0;
      if (crm->acknowledged[i] || is_processed != processed) {
        continue;
      }
      if (seen++ < offset || listed >= size) {
        continue;
      }
      char item[1024];
      snprintf(item, sizeof item, DOCUMENTED_CHARGES[i], crm->status[i]);
      len += (size_t)snprintf(page + len, cap - len, "%s%s", listed++ ? ", " : "", item);
    }
    snprintf(page + len, cap - len,
             "]}, \"status\": {\"code\": \"OK\", \"description\": \"\", \"message\": \"\"}}");
    out->body = page;
    out->body_len = strlen(page);
  } else if (strstr(url, "/netflix/charges/accept") || strstr(url, "/netflix/charges/acknowledge")) {
    int acknowledge = strstr(url, "acknowledge") != NULL;
    for (int i = 0; i < 5; i++) {
      char number[32];
      const char *p = strstr(DOCUMENTED_CHARGES[i], "\"number\": \"") + strlen("\"number\": \"");
      snprintf(number, sizeof number, "\"%.9s\"", p);
      if (body && strstr(body, number)) {
        if (acknowledge) {
          crm->acknowledged[i] = 1;
        } else {
          crm->accepted[i] = 1;
        }
      }
    }
    out->body = copy(ACCEPT_RESPONSE, &out->body_len);
  } else {
    out->status = 404;
    out->body = copy("{\"status\":{\"code\":\"ERROR\",\"description\":\"Not found\"}}",
                     &out->body_len);
  }
  return 0;
}

/* Overnight, CRM.COM processes the charges the operator accepted. */
static void process_overnight(fake_crm *crm) {
  for (int i = 0; i < 5; i++) {
    if (crm->accepted[i]) {
      crm->status[i] = "APPROVED";
    }
  }
}

/* ---- The job -------------------------------------------------------------------------------------- */

int main(int argc, char **argv) {
  fake_crm crm = {{"PENDING", "PENDING", "PENDING", "PENDING", "PENDING"}, {0}, {0}, 0};
  http_send send = fake_send;
  void *ctx = &crm;
  CURL *curl = NULL;
  ledger billed = {{{0}}, 0, 0};
  int result = 1;

  printf("libcrmnf %s\n", crmnf_version());
  if (argc > 1) {
    /* A real server: its root as given, with the API path after it. */
    const char *root = argv[1];
    size_t n = strlen(root);
    while (n > 0 && root[n - 1] == '/') {
      n--;
    }
    if (n + sizeof "/crmapi/rest/v2" > sizeof base_url) {
      fprintf(stderr, "the server URL is too long\n");
      return 1;
    }
    snprintf(base_url, sizeof base_url, "%.*s/crmapi/rest/v2", (int)n, root);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(curl = curl_easy_init())) {
      fprintf(stderr, "libcurl could not start\n");
      return 1;
    }
    send = curl_send;
    ctx = curl;
  }
  char *token = log_in(send, ctx);
  if (!token) {
    goto cleanup_curl;
  }

  crmnf_charge_sync *sync = NULL;
  crmnf_error *err = NULL;
  /* Resume where the last job stopped, or start afresh. */
  crmnf_status status = saved_state ? crmnf_charge_sync_resume(saved_state, &sync, &err)
                                    : crmnf_charge_sync_new(NULL, &sync, &err);
  if (status != CRMNF_OK) {
    print_error("charge sync", err);
    crmnf_error_free(err);
    free(token);
    goto cleanup_curl;
  }

  for (int night = 1; night <= 2; night++) {
    printf("night %d\n", night);
    if (night > 1 && crmnf_charge_sync_start_run(sync, NULL) != CRMNF_OK) {
      goto done;
    }
    if (run_charges(sync, send, ctx, &token, &billed) != 0 ||
        accept_pending(send, ctx, token) != 0) {
      goto done;
    }
    char *report = NULL;
    if (crmnf_charge_sync_report(sync, &report, NULL) == CRMNF_OK) {
      printf("  report: %s\n", report);
    }
    crmnf_string_free(report);
    if (!curl) {
      process_overnight(&crm);
    }
  }
  if (curl) {
    /* A real server's data is its own: the job is done when both nights ran to the end. */
    printf("billed %zu charge(s), %" PRId64 " minor units in all\n", billed.count,
           billed.billed_minor);
    result = 0;
  } else {
    printf("billed %zu charge(s), %" PRId64 ".%02" PRId64 " USD, in %d request(s)\n", billed.count,
           billed.billed_minor / 100, billed.billed_minor % 100, crm.requests);
    result = billed.count == 5 && billed.billed_minor == 2295 ? 0 : 1;
  }

done:
  crmnf_charge_sync_free(sync);
  crmnf_string_free(saved_state);
  saved_state = NULL;
  free(token);
cleanup_curl:
  if (curl) {
    curl_easy_cleanup(curl);
    curl_global_cleanup();
  }
  return result;
}

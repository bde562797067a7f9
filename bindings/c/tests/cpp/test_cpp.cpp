// The C++17 view of libcrmnf: crmnf.h used directly from C++, and the RAII wrapper crmnf.hpp.

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "crmnf.h"
#include "crmnf.hpp"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (cond) {                                                        \
      ++passed;                                                        \
    } else {                                                           \
      ++failed;                                                        \
      std::printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);      \
    }                                                                  \
  } while (0)

static const std::string OK = R"("status":{"code":"OK","description":"","message":""})";

static std::string charge(const std::string& number, double amount, const std::string& currency,
                          const std::string& status) {
  char amount_text[64];
  std::snprintf(amount_text, sizeof amount_text, "%.17g", amount);
  return R"({"number":")" + number + R"(","billing_system_customer_identifier":"pci-)" + number +
         R"(","amount":)" + amount_text + R"(,"currency":")" + currency +
         R"(","charge_status":")" + status +
         R"(","paid_through_date":"2017-02-19T02:00:00","received_on":"2017-02-21T10:07:23",)"
         R"("set_as_approved_on":null,"set_as_declined_on":null,"set_as_bad_request_on":null,)"
         R"("set_as_rejected_request_on":null})";
}

static std::string page(const std::vector<std::string>& charges) {
  std::string body = R"({"data":{"charges_set":[)";
  for (std::size_t i = 0; i < charges.size(); ++i) {
    body += (i ? "," : "") + charges[i];
  }
  return body + "]}," + OK + "}";
}

static void test_the_c_header_from_cpp() {
  crmnf_request* request = nullptr;
  crmnf_error* err = nullptr;
  crmnf_status s = crmnf_prepare("netflix/promotions/list", "{}", "T", nullptr, &request, &err);
  CHECK(s == CRMNF_OK);
  CHECK(std::strcmp(crmnf_request_query(request, nullptr), "token=T") == 0);
  crmnf_request_free(request);
  s = crmnf_prepare("netflix/promotions/list", "{}", nullptr, "R1", &request, &err);
  CHECK(s == CRMNF_INVALID_REQUEST);
  CHECK(crmnf_error_violation_count(err) == 1);
  crmnf_error_free(err);
}

static void test_prepare_and_errors() {
  crmnf::Request r = crmnf::prepare("netflix/charges/list",
                                    R"({"number_of_results":10,"offset":0,"charge_status":"PROCESSED",)"
                                    R"("fields_set":"number,amount,currency"})",
                                    std::string("T"));
  CHECK(r.verb() == "GET");
  CHECK(r.path() == "netflix/charges/list");
  CHECK(r.query().find("offset=0") != std::string_view::npos);
  CHECK(!r.body());
  CHECK(r.fields_set() == std::optional<std::string>("number,amount,currency"));
  CHECK(r.url("https://h/crmapi/rest/v2").rfind("https://h/crmapi/rest/v2/netflix/charges/list?", 0) ==
        0);

  crmnf::Request post = crmnf::prepare("netflix/subscriptions/unsuspend",
                                       R"({"billing_system_customer_identifier":"pci1"})",
                                       std::string("T"), std::string("R12.0.0"));
  CHECK(post.body() && *post.body() == R"({"token":"T","billing_system_customer_identifier":"pci1"})");
  CHECK(post.headers().empty());

  crmnf::Request key_login = crmnf::prepare_web_api_key_login("K3Y");
  CHECK(key_login.path() == "authentication/web_api_key/token");
  CHECK(key_login.body() && *key_login.body() == "{}");
  CHECK(key_login.headers().size() == 1);
  CHECK(key_login.headers()[0].first == "Authorization");
  CHECK(key_login.headers()[0].second == "Basic SzNZOg==");

  try {
    crmnf::prepare("netflix/subscriptions/create", R"({"validity_duration":0,"chanel":"X"})",
                   std::nullopt);
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.status() == CRMNF_INVALID_REQUEST);
    CHECK(e.violations().size() >= 3);
    bool typo = false, token = false;
    for (const crmnf::Violation& v : e.violations()) {
      typo = typo || (v.path == "chanel" && v.code == "unknown_field");
      token = token || (v.path == "token" && v.code == "required");
    }
    CHECK(typo && token);
    CHECK(std::string(e.what()).find("invalid request") != std::string::npos);
  }

  try {
    crmnf::validate("netflix/charges/list", R"({"number_of_results":51,"offset":0})", std::string("R12.0.0"));
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.violations().size() == 1 && e.violations()[0].code == "out_of_range");
  }
  crmnf::validate("netflix/charges/list", R"({"number_of_results":50,"offset":0})", std::string("R12.0.0"));
  ++passed;
}

static void test_decode_and_project() {
  std::string body = R"({"data":[{"code":"14","name":"T","description":null,)"
                     R"("effective_from":"2017-01-01T00:00:00","expires_on":null}],)" +
                     OK + "}";
  std::string data = crmnf::decode("netflix/promotions/list", body);
  CHECK(data.find(R"("code":"14")") != std::string::npos);
  CHECK(crmnf::project("netflix/promotions/list", data, "code") == R"([{"code":"14"}])");
  try {
    crmnf::decode("netflix/promotions/list",
                  R"({"status":{"code":"ERROR","description":"Invalid token","message":null}})");
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.status() == CRMNF_API_ERROR);
    CHECK(e.api_code() == std::optional<std::string>("ERROR"));
    CHECK(e.api_description() == std::optional<std::string>("Invalid token"));
    CHECK(!e.api_message());
  }
  try {
    crmnf::decode("netflix/promotions/list", R"({"status":{"code":"OK"},"data":[{"code":)");
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.status() == CRMNF_MALFORMED_RESPONSE && e.path() == std::optional<std::string>(""));
    CHECK(e.body_is_malformed());
  }
}

// A body that is not JSON is malformed as a whole: the empty path, and a message that names no
// path; a bad value inside the body has its path in both.
static void test_malformed_paths() {
  try {
    crmnf::Charges::decode("<html><body>502 Bad Gateway</body></html>");
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.status() == CRMNF_MALFORMED_RESPONSE);
    CHECK(crmnf::status_name(e.status()) == "CRMNF_MALFORMED_RESPONSE");
    CHECK(e.path() == std::optional<std::string>(""));
    CHECK(e.body_is_malformed());
    CHECK(std::string(e.what()).rfind("malformed response body: ", 0) == 0);
    CHECK(!e.api_code() && e.violations().empty());
  }
  std::string bad = page({charge("I1", 5.5, "USD", "APPROVED")});
  bad.replace(bad.find(":5.5,"), 5, R"(:"5.5",)");
  try {
    crmnf::Charges::decode(bad);
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.path() == std::optional<std::string>("data.charges_set[0].amount"));
    CHECK(!e.body_is_malformed());
    CHECK(std::string(e.what()).find("data.charges_set[0].amount") != std::string::npos);
  }
  try {
    crmnf::validate("netflix/charges/list", "{}");
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.status() == CRMNF_INVALID_REQUEST && !e.path() && !e.body_is_malformed());
  }
}

// billing_action decides what to confirm: bill approved and priced charges, record declined,
// bad-request and rejected ones, leave pending, unknown and unpriceable ones on the server.
static void test_billing_action_and_local_currency() {
  std::string local = charge("I5", 5.989999771118164, "USD", "APPROVED");
  local.insert(local.size() - 1, R"(,"local_currency":"KWD","local_currency_amount":1.8346)");
  crmnf::Charges charges = crmnf::Charges::decode(page({
      local,
      charge("I6", 2.99, "USD", "DECLINED"),
      charge("I7", 2.99, "USD", "BAD_REQUEST"),
      charge("I8", 2.99, "USD", "REJECTED"),
      charge("I9", 2.99, "USD", "PENDING"),
      charge("I10", 2.99, "USD", "SOMETHING_NEW"),
      charge("I11", 9.989999771118164, "XTS", "APPROVED"),
  }));
  const crmnf::BillingAction expected[] = {
      CRMNF_BILLING_ACTION_BILL,  CRMNF_BILLING_ACTION_RECORD, CRMNF_BILLING_ACTION_RECORD,
      CRMNF_BILLING_ACTION_RECORD, CRMNF_BILLING_ACTION_LEAVE, CRMNF_BILLING_ACTION_LEAVE,
      CRMNF_BILLING_ACTION_LEAVE};
  CHECK(charges.size() == 7);
  for (std::size_t i = 0; i < charges.size(); ++i) {
    CHECK(charges[i].billing_action() == expected[i]);
  }
  crmnf::Charge c = charges[0];
  CHECK(c.local_currency() == std::optional<std::string_view>("KWD"));
  CHECK(c.local_currency_amount_exact() == std::optional<std::string_view>("1.835"));
  CHECK(c.local_currency_amount_minor_units() == std::optional<std::int64_t>(1835));
  CHECK(c.local_currency_amount_minor_unit_exponent() == std::optional<std::uint32_t>(3));
  CHECK(c.local_currency_amount_raw() == std::optional<double>(1.8346));
  crmnf::Charge unpriced = charges[6];
  CHECK(!unpriced.billable() && unpriced.is_final());
  CHECK(!unpriced.local_currency_amount_exact() && !unpriced.local_currency_amount_raw() &&
        !unpriced.local_currency_amount_minor_unit_exponent());
}

static void test_charges_and_batches() {
  std::vector<std::string> list;
  for (int i = 0; i < 51; ++i) {
    char number[16];
    std::snprintf(number, sizeof number, "I%08d", i);
    list.push_back(charge(number, 5.989999771118164, i % 2 ? "USD" : "JPY", "APPROVED"));
  }
  list.push_back(charge("I99999999", 1.0, "USD", "SOMETHING_NEW"));
  crmnf::Charges charges = crmnf::Charges::decode(page(list));
  CHECK(charges.size() == 52);
  long long cents = 0;
  std::vector<crmnf::Charge> billable;
  for (crmnf::Charge c : charges) {
    if (c.billable()) {
      cents += *c.amount_minor_units();
      billable.push_back(c);
    }
  }
  CHECK(billable.size() == 51);
  CHECK(cents == 25 * 599 + 26 * 6);
  crmnf::Charge last = charges[51];
  CHECK(last.charge_status() == CRMNF_CHARGE_STATUS_UNKNOWN);
  CHECK(last.charge_status_text() == std::optional<std::string_view>("SOMETHING_NEW"));
  CHECK(!last.billable() && !last.is_final() && !last.is_pending() && !last.redelivered());
  CHECK(charges[1].amount_exact() == std::optional<std::string_view>("5.99"));
  CHECK(charges[0].amount_exact() == std::optional<std::string_view>("6"));
  CHECK(charges[0].amount_minor_unit_exponent() == std::optional<std::uint32_t>(0));
  CHECK(charges[1].amount_raw() == std::optional<double>(5.989999771118164));
  CHECK(!charges[1].local_currency() && !charges[1].local_currency_amount_minor_units());
  CHECK(charges[1].number() == std::optional<std::string_view>("I00000001"));
  CHECK(charges[1].billing_system_customer_identifier() ==
        std::optional<std::string_view>("pci-I00000001"));
  CHECK(charges[1].currency() == std::optional<std::string_view>("USD"));
  CHECK(charges[1].field("amount") == CRMNF_FIELD_VALUE);
  CHECK(charges[1].field("local_currency") == CRMNF_FIELD_NULL);
  crmnf::Charges projected = crmnf::Charges::decode(page(list), std::string("number,amount"));
  CHECK(projected[1].field("number") == CRMNF_FIELD_VALUE);
  CHECK(projected[1].field("received_on") == CRMNF_FIELD_VALUE);  // sent though not named
  CHECK(projected[1].field("local_currency") == CRMNF_FIELD_NOT_REQUESTED);
  CHECK(projected[1].field("nonsense") == CRMNF_FIELD_UNKNOWN);
  auto received = charges[1].received_on();
  CHECK(received && received->year == 2017 && received->second == 23);
  CHECK(charges[1].paid_through_date() && !charges[1].set_as_approved_on() &&
        !charges[1].set_as_declined_on() && !charges[1].set_as_bad_request_on() &&
        !charges[1].set_as_rejected_request_on());
  CHECK(charges[1].json().find("\"number\":\"I00000001\"") != std::string_view::npos);

  crmnf::Requests requests = crmnf::prepare_batch("netflix/charges/acknowledge", billable, std::string("T"));
  CHECK(requests.size() == 2);
  CHECK(requests[0].body()->find("I00000049") != std::string_view::npos);
  CHECK(requests[1].body()->find("I00000050") != std::string_view::npos);
  try {
    crmnf::prepare_batch("netflix/charges/decline", billable, std::string("T"), std::string("R12.0.0"));
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.violations().size() == 1 && e.violations()[0].code == "not_in_release");
  }
}

static void test_charge_sync() {
  crmnf::ChargeSync sync(std::string(R"({"page_size":2})"));
  std::vector<std::string> bodies = {
      page({charge("I1", 5.989999771118164, "USD", "APPROVED"),
            charge("I2", 2.990000009536743, "USD", "DECLINED")}),
      R"({"data":{"failed_charges_set":[]},)" + OK + "}",
      page({}),
  };
  std::size_t next = 0;
  std::string saved;
  while (auto request = sync.next_request("T")) {
    CHECK(next < bodies.size());
    sync.feed(bodies.at(next++));
    crmnf::Charges taken = sync.take_charges();
    std::vector<std::string> numbers;
    for (crmnf::Charge c : taken) {
      numbers.emplace_back(*c.number());
    }
    if (!numbers.empty()) {
      saved = sync.save();
    }
    CHECK(sync.confirm(numbers) == numbers.size());
  }
  CHECK(next == 3);
  CHECK(sync.is_finished());
  std::string report = sync.report();
  CHECK(report.find(R"("acknowledged":2)") != std::string::npos);
  CHECK(report.find(R"("USD":"5.99")") != std::string::npos);

  crmnf::ChargeSync resumed = crmnf::ChargeSync::resume(saved);
  crmnf::Charges again = resumed.take_charges();
  CHECK(again.size() == 2 && again[0].redelivered());
  CHECK(resumed.confirm_with_reference("I1", "REF-1"));
  resumed.start_run();
  CHECK(!resumed.is_finished());
  try {
    crmnf::ChargeSync::resume("not json");
    CHECK(false);
  } catch (const crmnf::Error& e) {
    CHECK(e.status() == CRMNF_INVALID_REQUEST);
  }
}

int main() {
  CHECK(!crmnf::version().empty());
  test_the_c_header_from_cpp();
  test_prepare_and_errors();
  test_decode_and_project();
  test_malformed_paths();
  test_billing_action_and_local_currency();
  test_charges_and_batches();
  test_charge_sync();
  std::printf("c++ api: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

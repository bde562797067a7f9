// crmnf.hpp: a small C++17 RAII wrapper over crmnf.h, the C API of libcrmnf.
//
// Header-only. Every C object is owned by a move-only class whose destructor calls its `_free`;
// every failure is thrown as `crmnf::Error` (a std::runtime_error carrying the status code, the
// violations, the API status or the malformed path). Strings the C API hands out are copied into
// std::string, or viewed as std::string_view where they live as long as the object they came from.
//
// Thread safety follows the C API: `Request`, `Requests`, `Charges` and `Charge` may be read from
// several threads at once; a `ChargeSync` is used by one thread at a time.

#ifndef CRMNF_HPP
#define CRMNF_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crmnf.h"

namespace crmnf {

/// One broken rule of a request: where, which rule, and a sentence for a person.
struct Violation {
  std::string path;
  std::string code;
  std::string message;
};

/// Every failure of the C API, with the details of its kind.
class Error : public std::runtime_error {
 public:
  /// The error a call returned with `status` (`err` may be null when the caller passed no error
  /// pointer, in which case only the status is known).
  explicit Error(const crmnf_error* err, crmnf_status status)
      : std::runtime_error(message_of(err, status)),
        status_(err ? crmnf_error_code(err) : status) {
    if (err == nullptr) {
      return;
    }
    for (std::size_t i = 0; i < crmnf_error_violation_count(err); ++i) {
      violations_.push_back({str(crmnf_error_violation_path(err, i)),
                             str(crmnf_error_violation_code(err, i)),
                             str(crmnf_error_violation_message(err, i))});
    }
    api_code_ = opt(crmnf_error_api_code(err));
    api_description_ = opt(crmnf_error_api_description(err));
    api_message_ = opt(crmnf_error_api_message(err));
    path_ = opt(crmnf_error_path(err));
  }

  /// The status code (`CRMNF_INVALID_REQUEST`, `CRMNF_API_ERROR`, ...).
  crmnf_status status() const noexcept { return status_; }
  /// Every violation of an invalid request (empty for other codes).
  const std::vector<Violation>& violations() const noexcept { return violations_; }
  /// The API error's `status.code`, `description` and `message` (each may be absent).
  const std::optional<std::string>& api_code() const noexcept { return api_code_; }
  const std::optional<std::string>& api_description() const noexcept { return api_description_; }
  const std::optional<std::string>& api_message() const noexcept { return api_message_; }
  /// For `CRMNF_MALFORMED_RESPONSE`, the path of the offending value in the body
  /// (`data.charges_set[0].amount`), as in every language; `""` when the body as a whole is at
  /// fault (not JSON, not an object), and then `what()` says `malformed response body: ...`.
  /// Absent for the other kinds.
  const std::optional<std::string>& path() const noexcept { return path_; }
  /// Whether the whole body, rather than one value in it, is malformed.
  bool body_is_malformed() const noexcept { return path_ && path_->empty(); }

 private:
  static std::string str(const char* s) { return s ? std::string(s) : std::string(); }
  static std::optional<std::string> opt(const char* s) {
    return s ? std::optional<std::string>(s) : std::nullopt;
  }
  static std::string message_of(const crmnf_error* err, crmnf_status status) {
    const char* m = err ? crmnf_error_message(err) : nullptr;
    return m ? std::string(m) : std::string(crmnf_status_name(static_cast<int32_t>(status)));
  }

  crmnf_status status_;
  std::vector<Violation> violations_;
  std::optional<std::string> api_code_, api_description_, api_message_, path_;
};

namespace detail {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const noexcept { Free(p); }
};

template <typename T, void (*Free)(T*)>
using Handle = std::unique_ptr<T, Deleter<T, Free>>;

/// Throws the error of a failed call, freeing the C error object. Takes the address of the
/// error variable so that it is read after the call that fills it.
inline void check(crmnf_status status, crmnf_error** err) {
  Handle<crmnf_error, crmnf_error_free> owned(*err);
  if (status != CRMNF_OK) {
    throw Error(owned.get(), status);
  }
}

/// Copies a `char *` the C API returned and frees it.
inline std::string take(char* s) {
  Handle<char, crmnf_string_free> owned(s);
  return s ? std::string(s) : std::string();
}

inline const char* c_str(const std::optional<std::string>& s) {
  return s ? s->c_str() : nullptr;
}

inline std::optional<std::string_view> view(const char* s, std::size_t len) {
  return s ? std::optional<std::string_view>(std::string_view(s, len)) : std::nullopt;
}

inline const std::uint8_t* bytes(std::string_view s) {
  return reinterpret_cast<const std::uint8_t*>(s.data());
}

}  // namespace detail

/// A read-only view of a request (owned by a `Request` or a `Requests`).
class RequestView {
 public:
  explicit RequestView(const crmnf_request* r) noexcept : r_(r) {}
  std::string_view verb() const { return crmnf_request_verb(r_); }
  std::string_view path() const { return crmnf_request_path(r_); }
  /// The percent-encoded query string of a GET (empty for a POST); holds the token.
  std::string_view query() const {
    std::size_t len = 0;
    const char* s = crmnf_request_query(r_, &len);
    return std::string_view(s, len);
  }
  /// The JSON body of a POST; holds the token.
  std::optional<std::string_view> body() const {
    std::size_t len = 0;
    const char* s = crmnf_request_body(r_, &len);
    return detail::view(s, len);
  }
  /// The whole request as JSON (`verb`, `path`, `query`, `body`).
  std::string_view json() const {
    std::size_t len = 0;
    const char* s = crmnf_request_json(r_, &len);
    return std::string_view(s, len);
  }
  /// The HTTP headers to send besides `Content-Type` and `Accept` (`Authorization` of a Web API
  /// key login, a secret), as (name, value) pairs.
  std::vector<std::pair<std::string_view, std::string_view>> headers() const {
    std::vector<std::pair<std::string_view, std::string_view>> out;
    for (std::size_t i = 0; i < crmnf_request_header_count(r_); ++i) {
      std::size_t len = 0;
      const char* value = crmnf_request_header_value(r_, i, &len);
      out.emplace_back(crmnf_request_header_name(r_, i), std::string_view(value, len));
    }
    return out;
  }
  /// The comma-separated `fields_set` sent, for decoding the response.
  std::optional<std::string> fields_set() const {
    const char* s = crmnf_request_fields_set(r_);
    return s ? std::optional<std::string>(s) : std::nullopt;
  }
  /// The full URL under `base` (`https://host/crmapi/rest/v2`).
  std::string url(const std::string& base) const {
    char* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_request_url(r_, base.c_str(), &out, &err), &err);
    return detail::take(out);
  }
  const crmnf_request* get() const noexcept { return r_; }

 private:
  const crmnf_request* r_;
};

/// A request ready to send, owned.
class Request : public RequestView {
 public:
  explicit Request(crmnf_request* r) noexcept : RequestView(r), owned_(r) {}

 private:
  detail::Handle<crmnf_request, crmnf_request_free> owned_;
};

/// The requests of a batch, owned.
class Requests {
 public:
  explicit Requests(crmnf_requests* r) noexcept : owned_(r) {}
  std::size_t size() const noexcept { return crmnf_requests_count(owned_.get()); }
  RequestView operator[](std::size_t i) const { return RequestView(crmnf_requests_get(owned_.get(), i)); }

 private:
  detail::Handle<crmnf_requests, crmnf_requests_free> owned_;
};

/// A wall-clock date and time without a zone.
using DateTime = crmnf_datetime;

/// What a billing system does with a charge: `CRMNF_BILLING_ACTION_BILL` (approved and priced),
/// `CRMNF_BILLING_ACTION_RECORD` (declined, bad request, rejected: recorded, not billed) or
/// `CRMNF_BILLING_ACTION_LEAVE` (pending, a status or currency the SDK does not know). Only
/// billed or recorded charges may be confirmed for acknowledgement.
using BillingAction = crmnf_billing_action;

/// A charge, viewed inside the `Charges` it came from (which must outlive it).
class Charge {
 public:
  explicit Charge(const crmnf_charge* c) noexcept : c_(c) {}

  std::optional<std::string_view> number() const { return text(crmnf_charge_number); }
  std::optional<std::string_view> billing_system_customer_identifier() const {
    return text(crmnf_charge_billing_system_customer_identifier);
  }
  std::optional<std::string_view> currency() const { return text(crmnf_charge_currency); }
  std::optional<std::string_view> local_currency() const {
    return text(crmnf_charge_local_currency);
  }
  /// Exact amount in integer minor units (599 for 5.99 USD); absent for an unknown currency.
  std::optional<std::int64_t> amount_minor_units() const {
    std::int64_t v = 0;
    return crmnf_charge_amount_minor_units(c_, &v) ? std::optional<std::int64_t>(v) : std::nullopt;
  }
  /// Minor-unit digits of the currency (2 for USD).
  std::optional<std::uint32_t> amount_minor_unit_exponent() const {
    std::uint32_t v = 0;
    return crmnf_charge_amount_minor_unit_exponent(c_, &v) ? std::optional<std::uint32_t>(v)
                                                           : std::nullopt;
  }
  /// Exact amount as a decimal string (`"5.99"`).
  std::optional<std::string_view> amount_exact() const { return text(crmnf_charge_amount_exact); }
  /// The wire number as sent.
  std::optional<double> amount_raw() const {
    double v = 0;
    return crmnf_charge_amount_raw(c_, &v) ? std::optional<double>(v) : std::nullopt;
  }
  /// The amount in the local currency, as `amount_minor_units` (absent without one).
  std::optional<std::int64_t> local_currency_amount_minor_units() const {
    std::int64_t v = 0;
    return crmnf_charge_local_currency_amount_minor_units(c_, &v) ? std::optional<std::int64_t>(v)
                                                                  : std::nullopt;
  }
  std::optional<std::uint32_t> local_currency_amount_minor_unit_exponent() const {
    std::uint32_t v = 0;
    return crmnf_charge_local_currency_amount_minor_unit_exponent(c_, &v)
               ? std::optional<std::uint32_t>(v)
               : std::nullopt;
  }
  std::optional<std::string_view> local_currency_amount_exact() const {
    return text(crmnf_charge_local_currency_amount_exact);
  }
  std::optional<double> local_currency_amount_raw() const {
    double v = 0;
    return crmnf_charge_local_currency_amount_raw(c_, &v) ? std::optional<double>(v)
                                                          : std::nullopt;
  }
  crmnf_charge_status charge_status() const { return crmnf_charge_charge_status(c_); }
  /// The status as the wire string (an unknown value as sent).
  std::optional<std::string_view> charge_status_text() const {
    return text(crmnf_charge_charge_status_text);
  }
  bool billable() const { return crmnf_charge_billable(c_); }
  /// What became of a field (its wire name): a value, null, or left out by the `fields_set`.
  crmnf_field field(const std::string& name) const { return crmnf_charge_field(c_, name.c_str()); }
  /// Bill, record or leave: decides which charges to confirm (see `BillingAction`).
  BillingAction billing_action() const { return crmnf_charge_billing_action(c_); }
  bool is_final() const { return crmnf_charge_is_final(c_); }
  bool is_pending() const { return crmnf_charge_is_pending(c_); }
  bool redelivered() const { return crmnf_charge_redelivered(c_); }
  std::optional<DateTime> paid_through_date() const { return date(crmnf_charge_paid_through_date); }
  std::optional<DateTime> received_on() const { return date(crmnf_charge_received_on); }
  std::optional<DateTime> set_as_approved_on() const { return date(crmnf_charge_set_as_approved_on); }
  std::optional<DateTime> set_as_declined_on() const { return date(crmnf_charge_set_as_declined_on); }
  std::optional<DateTime> set_as_bad_request_on() const {
    return date(crmnf_charge_set_as_bad_request_on);
  }
  std::optional<DateTime> set_as_rejected_request_on() const {
    return date(crmnf_charge_set_as_rejected_request_on);
  }
  /// The charge as normalized JSON, unknown fields included.
  std::string_view json() const {
    std::size_t len = 0;
    const char* s = crmnf_charge_json(c_, &len);
    return std::string_view(s, len);
  }
  const crmnf_charge* get() const noexcept { return c_; }

 private:
  std::optional<std::string_view> text(const char* (*f)(const crmnf_charge*, std::size_t*)) const {
    std::size_t len = 0;
    const char* s = f(c_, &len);
    return detail::view(s, len);
  }
  std::optional<DateTime> date(bool (*f)(const crmnf_charge*, crmnf_datetime*)) const {
    DateTime d{};
    return f(c_, &d) ? std::optional<DateTime>(d) : std::nullopt;
  }

  const crmnf_charge* c_;
};

/// The charges of a `charges/list` response (or handed over by a `ChargeSync`), owned.
class Charges {
 public:
  explicit Charges(crmnf_charges* c) noexcept : owned_(c) {}

  /// Decodes a `netflix/charges/list` response body.
  static Charges decode(std::string_view body, const std::optional<std::string>& fields_set = {}) {
    crmnf_charges* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charges_decode(detail::bytes(body), body.size(), detail::c_str(fields_set),
                                       &out, &err),
                  &err);
    return Charges(out);
  }

  std::size_t size() const noexcept { return crmnf_charges_count(owned_.get()); }
  bool empty() const noexcept { return size() == 0; }
  Charge operator[](std::size_t i) const { return Charge(crmnf_charges_get(owned_.get(), i)); }

  class iterator {
   public:
    iterator(const Charges* c, std::size_t i) noexcept : c_(c), i_(i) {}
    Charge operator*() const { return (*c_)[i_]; }
    iterator& operator++() noexcept {
      ++i_;
      return *this;
    }
    bool operator!=(const iterator& o) const noexcept { return i_ != o.i_; }

   private:
    const Charges* c_;
    std::size_t i_;
  };
  iterator begin() const noexcept { return iterator(this, 0); }
  iterator end() const noexcept { return iterator(this, size()); }

 private:
  detail::Handle<crmnf_charges, crmnf_charges_free> owned_;
};

/// Prepares a request by method name (`release` defaults to the newest).
inline Request prepare(const std::string& method, const std::string& params_json,
                       const std::optional<std::string>& token,
                       const std::optional<std::string>& release = {}) {
  crmnf_request* out = nullptr;
  crmnf_error* err = nullptr;
  detail::check(crmnf_prepare(method.c_str(), params_json.c_str(), detail::c_str(token),
                              detail::c_str(release), &out, &err),
                &err);
  return Request(out);
}

/// Prepares a Web API key login (`authentication/web_api_key/token`); the key goes in the
/// request's `Authorization` header.
inline Request prepare_web_api_key_login(const std::string& api_key,
                                         const std::optional<std::string>& unit = {},
                                         const std::optional<std::string>& release = {}) {
  crmnf_request* out = nullptr;
  crmnf_error* err = nullptr;
  detail::check(crmnf_prepare_web_api_key_login(api_key.c_str(), detail::c_str(unit),
                                                detail::c_str(release), &out, &err),
                &err);
  return Request(out);
}

/// Checks parameters against a method's rules, without a token; throws on a violation.
inline void validate(const std::string& method, const std::string& params_json,
                     const std::optional<std::string>& release = {}) {
  crmnf_error* err = nullptr;
  detail::check(crmnf_validate(method.c_str(), params_json.c_str(), detail::c_str(release), &err),
                &err);
}

/// Decodes a response body into normalized JSON `data`.
inline std::string decode(const std::string& method, std::string_view body,
                          const std::optional<std::string>& fields_set = {}) {
  char* out = nullptr;
  crmnf_error* err = nullptr;
  detail::check(crmnf_decode(method.c_str(), detail::bytes(body), body.size(),
                             detail::c_str(fields_set), &out, &err),
                &err);
  return detail::take(out);
}

/// Keeps only the fields a comma-separated `fields_set` names.
inline std::string project(const std::string& method, const std::string& data_json,
                           const std::string& fields_set) {
  char* out = nullptr;
  crmnf_error* err = nullptr;
  detail::check(crmnf_project(method.c_str(), data_json.c_str(), fields_set.c_str(), &out, &err),
                &err);
  return detail::take(out);
}

/// Acknowledge, accept or decline requests of at most 50 charges each.
inline Requests prepare_batch(const std::string& method, const std::vector<Charge>& charges,
                              const std::optional<std::string>& token,
                              const std::optional<std::string>& release = {}) {
  std::vector<const crmnf_charge*> pointers;
  pointers.reserve(charges.size());
  for (const Charge& c : charges) {
    pointers.push_back(c.get());
  }
  crmnf_requests* out = nullptr;
  crmnf_error* err = nullptr;
  detail::check(crmnf_prepare_batch(method.c_str(), pointers.data(), nullptr, pointers.size(),
                                    detail::c_str(token), detail::c_str(release), &out, &err),
                &err);
  return Requests(out);
}

/// The nightly charge loop (see crmnf_charge_sync in crmnf.h), owned. One thread at a time.
class ChargeSync {
 public:
  /// A new sync; `options_json` overrides the defaults (see `crmnf_charge_sync_new`).
  explicit ChargeSync(const std::optional<std::string>& options_json = {}) {
    crmnf_charge_sync* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_new(detail::c_str(options_json), &out, &err), &err);
    owned_.reset(out);
  }

  /// Resumes from a state saved by `save()`.
  static ChargeSync resume(const std::string& state_json) {
    crmnf_charge_sync* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_resume(state_json.c_str(), &out, &err), &err);
    return ChargeSync(out);
  }

  std::string save() const {
    char* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_save(owned_.get(), &out, &err), &err);
    return detail::take(out);
  }

  void start_run() {
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_start_run(owned_.get(), &err), &err);
  }

  /// The next request, or nothing when the run has nothing more to send.
  std::optional<Request> next_request(const std::string& token) {
    crmnf_request* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_next_request(owned_.get(), token.c_str(), &out, &err), &err);
    return out ? std::optional<Request>(std::in_place, out) : std::nullopt;
  }

  void feed(std::string_view body) {
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_feed(owned_.get(), detail::bytes(body), body.size(), &err),
                  &err);
  }

  Charges take_charges() {
    crmnf_charges* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_take_charges(owned_.get(), &out, &err), &err);
    return Charges(out);
  }

  /// Confirms the charges the billing system has taken; returns how many were newly confirmed.
  std::size_t confirm(const std::vector<std::string>& numbers) {
    std::vector<const char*> pointers;
    pointers.reserve(numbers.size());
    for (const std::string& n : numbers) {
      pointers.push_back(n.c_str());
    }
    std::size_t newly = 0;
    crmnf_error* err = nullptr;
    detail::check(
        crmnf_charge_sync_confirm(owned_.get(), pointers.data(), pointers.size(), &newly, &err),
        &err);
    return newly;
  }

  bool confirm_with_reference(const std::string& number, const std::string& reference_number) {
    bool newly = false;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_confirm_with_reference(owned_.get(), number.c_str(),
                                                           reference_number.c_str(), &newly, &err),
                  &err);
    return newly;
  }

  bool is_finished() const noexcept { return crmnf_charge_sync_is_finished(owned_.get()); }

  /// The run's summary as JSON.
  std::string report() const {
    char* out = nullptr;
    crmnf_error* err = nullptr;
    detail::check(crmnf_charge_sync_report(owned_.get(), &out, &err), &err);
    return detail::take(out);
  }

 private:
  explicit ChargeSync(crmnf_charge_sync* s) noexcept : owned_(s) {}
  detail::Handle<crmnf_charge_sync, crmnf_charge_sync_free> owned_;
};

/// The library version.
inline std::string_view version() noexcept { return crmnf_version(); }

/// The name of a status code (`"CRMNF_MALFORMED_RESPONSE"`).
inline std::string_view status_name(crmnf_status status) noexcept {
  return crmnf_status_name(static_cast<int32_t>(status));
}

}  // namespace crmnf

#endif  // CRMNF_HPP

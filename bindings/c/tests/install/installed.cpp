// The C++ wrapper, built against an installed libcrmnf with pkg-config.
#include <crmnf.hpp>

#include <cstdio>

int main() {
  crmnf::Request r = crmnf::prepare("netflix/promotions/list", "{}", std::string("T"));
  bool ok = r.query() == "token=T";
  std::printf("installed crmnf.hpp: %s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
  return ok ? 0 : 1;
}

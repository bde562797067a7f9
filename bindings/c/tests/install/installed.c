/* Built against an installed libcrmnf with `pkg-config --cflags --libs crmnf`: the headers, the
 * shared library and its soname resolve from the install prefix alone. */
#include <stdio.h>
#include <string.h>

#include <crmnf.h>

int main(void) {
  crmnf_request *request = NULL;
  crmnf_error *err = NULL;
  if (crmnf_prepare("netflix/charges/list",
                    "{\"number_of_results\":50,\"offset\":0,\"charge_status\":\"PROCESSED\"}", "T",
                    NULL, &request, &err) != CRMNF_OK) {
    printf("prepare failed: %s\n", crmnf_error_message(err));
    crmnf_error_free(err);
    return 1;
  }
  int ok = strcmp(crmnf_request_query(request, NULL),
                  "token=T&number_of_results=50&offset=0&charge_status=PROCESSED") == 0;
  crmnf_request_free(request);
  printf("installed libcrmnf %s: %s\n", crmnf_version(), ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
  return ok ? 0 : 1;
}

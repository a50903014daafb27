/* fuzz_model.c — fuzz target for the model-file layer: tokenising (libinih through our
 * line reader), binding every table, unknown-key suggestions and each problem's
 * cross-field validation — everything `hdsim check` does short of allocating the plan
 * (a fuzzed d = 10^8 would only test the allocator).
 *
 * Built two ways:
 *   - with libFuzzer (clang -fsanitize=fuzzer): validation/fuzz.sh runs it for a budget;
 *   - without (-DHD_FUZZ_STANDALONE): a plain program that runs the target on every file
 *     named on its command line — `meson test` replays the corpus and every crash ever
 *     found (tests/fuzz/regressions/) under the sanitizers. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = '\0';
  struct hd_errors err;
  hd_errors_init(&err);
  struct hd_config *cfg = hd_config_load_string("fuzz.ini", text, &err);
  if (cfg) {
    struct hd_cli cli = {.model = "fuzz.ini", .validate_only = 1};
    struct hd_session s;
    hd_session_prepare(&s, cfg, &cli); /* takes cfg */
    hd_session_free(&s);
  }
  hd_errors_free(&err);
  free(text);
  return 0;
}

#ifdef HD_FUZZ_STANDALONE
int main(int argc, char **argv)
{
  int n = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "fuzz_model: cannot open %s\n", argv[i]);
      return 1;
    }
    static uint8_t buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    n++;
  }
  printf("%d passed, 0 failed (inputs replayed without a crash)\n", n);
  return 0;
}
#endif

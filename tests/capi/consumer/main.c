/* Built against an installed hoop's C API (CMake package or hoop-c.pc). */
#include <stdio.h>
#include <string.h>

#include "hoop/hoop.h"

int main(void) {
  hoop_masker* m = NULL;
  hoop_mask_scratch* scratch = NULL;
  const char* out = NULL;
  size_t out_len = 0;
  static const char kCell[] = "mail ana@example.com";
  int ok;
  if (strcmp(hoop_version(), HOOP_VERSION_STRING) != 0) return 1;
  if (hoop_masker_new_default(&m, NULL) != HOOP_OK) return 1;
  if (hoop_mask_scratch_new(&scratch, NULL) != HOOP_OK) return 1;
  if (hoop_masker_mask_cell(m, scratch, "c", 1, "text", 4, kCell,
                            strlen(kCell), &out, &out_len, NULL) != HOOP_OK) {
    return 1;
  }
  ok = out != NULL && out_len == 12 && memcmp(out, "mail [EMAIL]", 12) == 0;
  printf("c consumer: hoop %s: %.*s\n", hoop_version(), (int)out_len,
         out ? out : "");
  hoop_mask_scratch_free(scratch);
  hoop_masker_free(m);
  return ok ? 0 : 1;
}

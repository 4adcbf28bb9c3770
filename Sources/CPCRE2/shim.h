// Swift cannot see PCRE2's width-generic macros, so we pin 8-bit code units
// here and call the *_8 functions directly.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

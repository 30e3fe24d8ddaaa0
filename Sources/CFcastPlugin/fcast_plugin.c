/* CFcastPlugin is a header-only module: fcast_plugin.h is the contract. SwiftPM needs one
   source file per C target; this one also checks at compile time that the layout the
   header promises holds on this platform. */
#include "fcast_plugin.h"

_Static_assert(sizeof(double) == 8, "fcast plugins assume IEEE-754 doubles");
_Static_assert(offsetof(fc_error, struct_size) == 0, "structs begin with their size");
_Static_assert(offsetof(fc_algorithm, struct_size) == 0, "structs begin with their size");
_Static_assert(offsetof(fc_library, struct_size) == 0, "structs begin with their size");

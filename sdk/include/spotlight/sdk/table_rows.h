#pragma once

#include "spotlight/sdk/export.h"

namespace spotlight {

// Which ids a table has one row per.
enum class TableRows { users, items };

SPOTLIGHT_SDK_API const char* to_string(TableRows rows);

}  // namespace spotlight

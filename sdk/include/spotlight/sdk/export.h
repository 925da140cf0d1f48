#pragma once

// Symbols of the SDK core library (libspotlight_sdk.so) are visible to host and plugins;
// everything else is built with -fvisibility=hidden.
#define SPOTLIGHT_SDK_API __attribute__((visibility("default")))
// The one symbol a plugin library exports.
#define SPOTLIGHT_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

#!/bin/sh
# A wrapper script that forgets to exec the plugin:
#   wrap-noexec.sh HELPER PLUGIN [ARGS...]
# starts HELPER in the background and runs the plugin as its own child.
"$1" &
shift
"$@"

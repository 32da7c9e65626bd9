#!/bin/sh
# A wrapper script as users write them, with a background child:
#   wrap.sh HELPER PLUGIN [ARGS...]
# starts HELPER in the background (it holds the script's stdout and
# stderr) and then runs the plugin in its place.
"$1" &
shift
exec "$@"

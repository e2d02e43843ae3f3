# Sourced by bench/redis-closeness.sh and bench/lua-cost.sh (from the repository's root):
#   start_redis PORT DIR   starts a redis-server on PORT (Debian's, else the one inside the
#                          embedded-redis jar, unpacked into DIR), logging to DIR, and waits for it;
#   load_decision_script PORT DIR
#                          composes the script the store runs for a token-bucket request, as
#                          LimiterScripts does, loads it and prints its SHA.
start_redis() {
  local port="$1" dir="$2" server
  server=$(command -v redis-server || true)
  if [[ -z "$server" ]]; then
    local jar
    jar=$(find ~/.m2/repository/com/github/codemonstur -name 'embedded-redis-*.jar' | head -1)
    (cd "$dir" && unzip -q -o "$jar" redis-server-6.2.6-v5-linux-amd64 && chmod +x redis-server-6.2.6-v5-linux-amd64)
    server="$dir/redis-server-6.2.6-v5-linux-amd64"
  fi
  "$server" --port "$port" --save '' --appendonly no --daemonize yes --logfile "$dir/redis.log"
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
}

load_decision_script() {
  local port="$1" dir="$2" src=limiter-redis/src/main/resources/dev/limiter/redis
  { cat "$src/common.lua" "$src/token_bucket.lua"
    printf "local decide = { ['token-bucket'] = token_bucket }\nlocal refund = { ['token-bucket'] = token_bucket_refund }\n"
    cat "$src/limiter.lua"; } > "$dir/script.lua"
  redis-cli -p "$port" -x SCRIPT LOAD < "$dir/script.lua"
}

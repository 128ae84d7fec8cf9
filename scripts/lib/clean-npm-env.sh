# Sourced by install scripts. `clean_npm_env CMD...` runs CMD without the environment an outer
# `npm run`/`npm test` exports to its children: npm_config_* (its whole configuration, including
# npm_config_user_agent, which names the *outer* Node version — code-server's postinstall reads it
# and refuses to install under Node 20 although the inner npm runs on Node 24), npm_package_*,
# npm_lifecycle_*, npm_execpath, NODE and INIT_CWD. A nested install then behaves exactly as it
# does when a person runs the script from a shell.
clean_npm_env() {
  local drop=() v
  for v in $(compgen -e); do
    case "$v" in
      npm_* | NPM_CONFIG_* | NODE | INIT_CWD) drop+=(-u "$v") ;;
    esac
  done
  env "${drop[@]}" "$@"
}

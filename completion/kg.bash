# bash completion for kg(1): commands, options, file and folder arguments.
_kg() {
  local cur prev cmd
  cur=${COMP_WORDS[COMP_CWORD]}
  prev=${COMP_WORDS[COMP_CWORD-1]}
  cmd=${COMP_WORDS[1]}
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "build check explain render diff --help --version" -- "$cur"))
    return
  fi
  case $prev in
    -r|--rules|-o|--out)
      [ "$cmd" = render ] && [ "$prev" = -o ] &&
        { COMPREPLY=($(compgen -f -- "$cur")); return; }
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --output|--diff-against)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -f|--format)
      case $cmd in
        build) COMPREPLY=($(compgen -W "ttl nt nq rdfxml dot svg png ttl,dot,svg" -- "$cur")) ;;
        render) COMPREPLY=($(compgen -W "svg png dot" -- "$cur")) ;;
        diff) COMPREPLY=($(compgen -W "text patch" -- "$cur")) ;;
      esac
      return ;;
    --layout) COMPREPLY=($(compgen -W "dot sfdp neato fdp circo twopi" -- "$cur")); return ;;
    --color) COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
    --types) COMPREPLY=($(compgen -W "Organization Person Model Product Stance Event" -- "$cur")); return ;;
    -j|--jobs|--depth|--min-support|--max-file-size|--base|--focus|--predicates) return ;;
  esac
  local opts
  case $cmd in
    build) opts="-r --rules -o --out -f --format --base -j --jobs --max-file-size --no-cache --strict --diff-against --json -q --quiet -v --verbose --layout --focus --depth --predicates --types --min-support --help" ;;
    check) opts="-r --rules --no-cache --help" ;;
    explain) opts="-r --rules --no-cache --help" ;;
    render) opts="-o --output -f --format --layout --focus --depth --predicates --types --min-support --help" ;;
    diff) opts="-f --format -o --output --stat --color --help" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _kg kg

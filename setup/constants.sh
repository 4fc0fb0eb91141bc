# setup/constants.sh — the lab's constants (common/constants.tsv: addresses, MACs, interface names,
# ports) for the shell: sourcing it sets one variable per line of the table, under the table's
# name (LAB_GEN_V4, LAB_DUT_IF, LAB_PORT_DUT, ...: "$LAB_GEN_V4" is the table's value). Needs
# LAB_ROOT (the source tree). Nothing here changes the machine.

LAB_CONSTANTS_TSV=${LAB_CONSTANTS_TSV:-$LAB_ROOT/common/constants.tsv}

# lab_constants_load: (re)sets the variables from the table; 1 (with a message) when it cannot be
# read or a line is not "LAB_NAME<tab>value<tab>comment"
lab_constants_load() {
  local name value rest n=0
  [ -r "$LAB_CONSTANTS_TSV" ] || { echo "constants: cannot read $LAB_CONSTANTS_TSV" >&2; return 1; }
  while IFS=$'\t' read -r name value rest; do
    case $name in "" | "#"*) continue ;; esac
    [[ $name =~ ^LAB_[A-Z0-9_]+$ ]] || { echo "constants: bad name '$name' in $LAB_CONSTANTS_TSV" >&2; return 1; }
    [[ $value =~ ^[A-Za-z0-9:./_-]+$ ]] ||
      { echo "constants: bad value '$value' of $name in $LAB_CONSTANTS_TSV" >&2; return 1; }
    printf -v "$name" '%s' "$value"
    n=$((n + 1))
  done <"$LAB_CONSTANTS_TSV"
  [ $n -gt 0 ] || { echo "constants: no constants in $LAB_CONSTANTS_TSV" >&2; return 1; }
}

# lab_const NAME: prints the value of NAME from the table (exit 1 when there is none)
lab_const() {
  awk -F'\t' -v n="$1" '!/^#/ && $1 == n {print $2; f = 1; exit} END {exit !f}' "$LAB_CONSTANTS_TSV"
}

lab_constants_load || return 1

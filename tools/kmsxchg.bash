# bash completion for kmsxchg(1).
# The words come from the program itself (`kmsxchg --complete-words [CMD]`),
# which prints them from the same option tables as --help: nothing here
# needs updating when an option is added.
_kmsxchg()
{
	local cur cmd i words
	cur=${COMP_WORDS[COMP_CWORD]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--audit) ((i++)) ;;	# the global option's FILE
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [[ ${COMP_WORDS[COMP_CWORD-1]} == --audit ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
	fi
	if [[ -z $cmd ]]; then
		words=$("${COMP_WORDS[0]}" --complete-words 2>/dev/null)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
	fi
	case $cur in
	-*)
		words=$("${COMP_WORDS[0]}" --complete-words "$cmd" 2>/dev/null)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		# An option taking an argument ends in '=': no space after it.
		if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null
		fi
		;;
	file:* | fd:* | env:* | hex:*)
		COMPREPLY=()
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
	return 0
}
complete -F _kmsxchg kmsxchg

"""`crm completion bash|zsh|fish`: a shell completion script made from crm's own argparse parser.

Every command (nested ones too: `crm order add`), its options and the values of an option or
argument that has `choices` come from the parser as it is built, so a new command or option is
completed the moment it exists. The script is static: the shell never starts Python to complete.

Why a generator of our own: shtab writes static scripts for bash, zsh and tcsh but not fish (its
fish support is an open issue, tqdm/shtab#134), and argcomplete covers fish only through a runtime
hook that imports crm on every Tab. This module is the small part of either that crm needs: one
reading of the parser (`read`) and a writer per shell.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field

from .common import EXIT_OK, Parents

SHELLS = ("bash", "zsh", "fish")
_WORD = re.compile(r"^[A-Za-z0-9_.:/+@=-]+$")  # what a script may carry unquoted as a name or a value


@dataclass
class Option:
    flags: list[str]  # -h, --help
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)
    repeatable: bool = False


@dataclass
class Positional:
    name: str
    help: str
    nargs: str | int | None
    choices: list[str] = field(default_factory=list)


@dataclass
class Command:
    path: tuple[str, ...]  # () for crm itself, ("order", "add")
    help: str
    options: list[Option] = field(default_factory=list)
    positionals: list[Positional] = field(default_factory=list)
    commands: dict[str, Command] = field(default_factory=dict)

    def walk(self):
        yield self
        for command in self.commands.values():
            yield from command.walk()

    @property
    def valued(self) -> list[str]:
        return [flag for option in self.options if option.takes_value for flag in option.flags]


def _help(text: str | None) -> str:
    """The first clause of a help text, one line, argparse's %-escapes resolved."""
    if not text or text == argparse.SUPPRESS:
        return ""
    text = re.sub(r"%\([a-z_]+\)s", "", text).replace("%%", "%")
    text = " ".join(text.split())
    first = re.split(r"(?<=[.;:])\s|\s\(", text, maxsplit=1)[0].rstrip(".;:")
    return first if len(first) <= 70 else first[:69].rstrip() + "…"


def _choices(action: argparse.Action) -> list[str]:
    if action.choices is None or isinstance(action, argparse._SubParsersAction):
        return []
    return [str(c) for c in action.choices if _WORD.match(str(c))]


def read(parser: argparse.ArgumentParser, path: tuple[str, ...] = (), help: str = "") -> Command:
    """What a parser accepts, as data the writers share."""
    command = Command(path, help)
    for action in parser._actions:
        if action.help == argparse.SUPPRESS:
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                if _WORD.match(name):
                    command.commands[name] = read(sub, path + (name,), _help(helps.get(name)))
        elif action.option_strings:
            flags = [flag for flag in action.option_strings if _WORD.match(flag)]
            repeatable = isinstance(action, argparse._AppendAction | argparse._CountAction)
            command.options.append(Option(flags, _help(action.help), action.nargs != 0, _choices(action), repeatable))
        else:
            name = action.metavar if isinstance(action.metavar, str) else action.dest
            command.positionals.append(Positional(name, _help(action.help), action.nargs, _choices(action)))
    return command


# --- bash -----------------------------------------------------------------------------------------


def bash(root: Command, prog: str = "crm") -> str:
    """A function that finds the command typed so far (skipping options and their values), then offers
    its options, an option's choices, or its subcommands and argument choices; files otherwise."""
    fn = "_" + re.sub(r"\W", "_", prog)
    data, values = [], []
    for command in root.walk():
        key = " ".join(command.path)
        positional = sorted({c for p in command.positionals for c in p.choices})
        data.append(
            f'        "{key}") commands="{" ".join(command.commands)}"; '
            f'options="{" ".join(f for o in command.options for f in o.flags)}"; '
            f'valued="{" ".join(command.valued)}"; positional="{" ".join(positional)}" ;;'
        )
        for option in command.options:
            if option.choices:
                cases = "|".join(f'"{key}|{flag}"' for flag in option.flags)
                values.append(f'        {cases}) values="{" ".join(option.choices)}" ;;')
    return f"""# {prog} completion for bash, made by `{prog} completion bash` from {prog}'s own parser.
# Load it with: source <({prog} completion bash)   (or save it in ~/.local/share/bash-completion/completions/{prog})

{fn}_data() {{  # $1: a command path; sets commands, options, valued (options taking a value), positional
    commands="" options="" valued="" positional=""
    case "$1" in
{chr(10).join(data)}
    esac
}}

{fn}_values() {{  # $1: a command path, $2: an option; sets values (its choices)
    values=""
    case "$1|$2" in
{chr(10).join(values)}
    esac
}}

{fn}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" path="" commands options valued positional values i w
    ((COMP_CWORD > 0)) && prev="${{COMP_WORDS[COMP_CWORD - 1]}}"
    if [[ "$cur" == "=" ]]; then cur=""; elif [[ "$prev" == "=" ]]; then prev="${{COMP_WORDS[COMP_CWORD - 2]}}"; fi
    {fn}_data ""
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${{COMP_WORDS[i]}}"
        if [[ "$w" == -* ]]; then
            if [[ " $valued " == *" $w "* ]]; then
                ((i++))
                [[ "${{COMP_WORDS[i]}}" == "=" ]] && ((i++))
            fi
        elif [[ " $commands " == *" $w "* ]]; then
            path="${{path:+$path }}$w"
            {fn}_data "$path"
        fi
    done
    if [[ -n "$prev" && "$prev" == -* && " $valued " == *" $prev "* && "$cur" != -* ]]; then
        {fn}_values "$path" "$prev"
        [[ -n "$values" ]] && COMPREPLY=($(compgen -W "$values" -- "$cur"))
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$commands $positional" -- "$cur"))
    fi
    return 0
}}

complete -o default -F {fn} {prog}
"""


# --- zsh ------------------------------------------------------------------------------------------


def _zsh_quote(text: str) -> str:
    """Text inside a single-quoted _arguments spec or description: quotes closed and reopened, the
    characters _arguments reads (brackets, colons, backslash) escaped."""
    text = re.sub(r"([\\\[\]:])", r"\\\1", text)
    return text.replace("'", "'\\''")


def _zsh_function(command: Command, prog: str) -> str:
    return "_" + re.sub(r"\W", "_", "__".join((prog, *command.path)))


def zsh(root: Command, prog: str = "crm") -> str:
    """One function per command: `_arguments` with its options (choices as value lists) and arguments;
    a command with subcommands describes them and hands the rest of the line to the chosen one."""
    functions = []
    for command in root.walk():
        specs = []
        for option in command.options:
            exclusive = f"({' '.join(option.flags)})" if len(option.flags) > 1 and not option.repeatable else ""
            names = option.flags[0] if len(option.flags) == 1 else "{" + ",".join(option.flags) + "}"
            star = "*" if option.repeatable else ""
            value = ""
            if option.takes_value:
                action = f"({' '.join(option.choices)})" if option.choices else "_default"
                value = f":{_zsh_quote(option.flags[-1].lstrip('-'))}:{action}"
            equals = "=" if option.takes_value and option.flags[-1].startswith("--") and len(option.flags) == 1 else ""
            specs.append(f"'{exclusive}{star}'{names}'{equals}[{_zsh_quote(option.help)}]{value}'")
        if command.commands:
            specs += ["': :->command'", "'*:: :->argument'"]
        for positional in command.positionals:
            action = f"({' '.join(positional.choices)})" if positional.choices else "_default"
            lead = {"?": "::", "*": "*:", "+": "*:"}.get(str(positional.nargs), ":")
            specs.append(f"'{lead}{_zsh_quote(positional.name)}:{action}'")
        body = [f"{_zsh_function(command, prog)}() {{"]
        if command.commands:
            body.append('    local curcontext="$curcontext" state line ret=1')
            body.append("    typeset -A opt_args")
        body.append(
            "    _arguments -s -S -C \\\n        "
            + " \\\n        ".join(specs)
            + (" && ret=0" if command.commands else "")
        )
        if command.commands:
            entries = " ".join(f"'{name}:{_zsh_quote(sub.help)}'" for name, sub in command.commands.items())
            cases = "\n".join(
                f"                ({name}) {_zsh_function(sub, prog)} && ret=0 ;;"
                for name, sub in command.commands.items()
            )
            body.append(
                f"""    case $state in
        (command)
            local -a commands=({entries})
            _describe -t commands '{_zsh_quote(" ".join((prog, *command.path)))} command' commands && ret=0 ;;
        (argument)
            case $words[1] in
{cases}
            esac ;;
    esac
    return ret"""
            )
        body.append("}")
        functions.append("\n".join(body))
    main = _zsh_function(root, prog)
    return f"""#compdef {prog}
# {prog} completion for zsh, made by `{prog} completion zsh` from {prog}'s own parser.
# Load it with: source <({prog} completion zsh)   (after compinit), or save it as _{prog} in a folder of $fpath

{chr(10).join(functions)}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    {main} "$@"
else
    compdef {main} {prog}
fi
"""


# --- fish -----------------------------------------------------------------------------------------


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish(root: Command, prog: str = "crm") -> str:
    """A function that says the command typed so far (as bash's script finds it), and one `complete` line
    per subcommand, option and choice, each under the condition that its command is the one typed."""
    fn = "__" + re.sub(r"\W", "_", prog)
    valued, lines = [], []
    for command in root.walk():
        key = " ".join(command.path)
        if command.valued:
            valued.append(f"        case {_fish_quote(key)}\n            set valued {' '.join(command.valued)}")
        condition = f"-n {_fish_quote(f'{fn}_at {_fish_quote(key)}')}"
        if command.commands:
            lines.append(f"complete -c {prog} {condition} -f")
        for name, sub in command.commands.items():
            lines.append(f"complete -c {prog} {condition} -a {name} -d {_fish_quote(sub.help)}")
        for positional in command.positionals:
            if positional.choices:
                words = " ".join(positional.choices)
                lines.append(
                    f"complete -c {prog} {condition} -x -a {_fish_quote(words)} -d {_fish_quote(positional.help)}"
                )
        for option in command.options:
            names = " ".join(
                f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}" if len(flag) == 2 else f"-o {flag[1:]}"
                for flag in option.flags
            )
            if option.choices:
                value = f" -x -a {_fish_quote(' '.join(option.choices))}"
            else:
                value = " -r" if option.takes_value else ""
            lines.append(f"complete -c {prog} {condition} {names}{value} -d {_fish_quote(option.help)}")
    paths = " ".join(_fish_quote(" ".join(c.path)) for c in root.walk() if c.path)
    return f"""# {prog} completion for fish, made by `{prog} completion fish` from {prog}'s own parser.
# Load it with: {prog} completion fish | source   (or save it as ~/.config/fish/completions/{prog}.fish)

function {fn}_valued --description 'the options of a {prog} command that take a value'
    set -l valued
    switch $argv[1]
{chr(10).join(valued)}
    end
    printf '%s\\n' $valued
end

function {fn}_path --description 'the {prog} command typed so far'
    set -l commands {paths}
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path ''
    set -l skip 0
    for token in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $token
            if contains -- $token ({fn}_valued $path)
                set skip 1
            end
        else if contains -- (string trim -- "$path $token") $commands
            set path (string trim -- "$path $token")
        end
    end
    echo $path
end

function {fn}_at --description 'whether the {prog} command typed so far is argv[1]'
    set -l path ({fn}_path)
    test "$path" = "$argv[1]"
end

{chr(10).join(lines)}
"""


WRITERS = {"bash": bash, "zsh": zsh, "fish": fish}


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of `parser` for `shell`."""
    return WRITERS[shell](read(parser), parser.prog)


def cmd_completion(args) -> int:
    sys.stdout.write(script(args.root_parser, args.shell))
    return EXIT_OK


def register(sub, parents: Parents, root: argparse.ArgumentParser) -> None:
    """`crm completion SHELL`, walking `root` (the whole `crm` parser) when it runs."""
    p = sub.add_parser(
        "completion",
        help="print a shell completion script for bash, zsh or fish",
        description="Print a script that completes crm's commands, options and option values in SHELL, made from "
        "crm's own parser. bash: source <(crm completion bash), or save it in "
        "~/.local/share/bash-completion/completions/crm. zsh: source <(crm completion zsh) after compinit, or save "
        "it as _crm in a folder of $fpath. fish: crm completion fish > ~/.config/fish/completions/crm.fish.",
    )
    p.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    p.set_defaults(func=cmd_completion, root_parser=root)

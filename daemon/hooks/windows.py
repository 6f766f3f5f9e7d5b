"""Windows: a Task Scheduler task that starts the daemon at logon and restarts it on failure."""

from __future__ import annotations

import getpass
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import platformdirs

from daemon.hooks.base import (
    KEEP_QUEUED,
    HookStatus,
    InstallResult,
    Step,
    Which,
    format_preview,
    password_warnings,
    read_or_none,
    restore,
    write_atomic,
)
from daemon.hooks.runner import CommandRunner
from daemon.hooks.spec import APP, URL_FLAG, DaemonCommand

TASK = "AMX Studio Daemon"
NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
XML_NAME = "amx-daemon-task.xml"
DECLARATION = '<?xml version="1.0" encoding="UTF-16"?>\n'
TASKS: dict[Which, str] = {"daemon": TASK, "api": "AMX Studio API"}
XML_NAMES: dict[Which, str] = {"daemon": XML_NAME, "api": "amx-api-task.xml"}
DESCRIPTIONS: dict[Which, str] = {
    "daemon": "AMX Studio Schedules daemon: fires queued metadata analysis runs.",
    "api": "AMX Studio Schedules HTTP API (amx serve).",
}
WHAT: dict[Which, str] = {"daemon": "daemon", "api": "API"}


def end(which: Which = "daemon") -> list[str]:
    """Stop the task's running instance."""
    return ["schtasks", "/End", "/TN", TASKS[which]]


def run(which: Which = "daemon") -> list[str]:
    """Start the task now."""
    return ["schtasks", "/Run", "/TN", TASKS[which]]


def delete(which: Which = "daemon") -> list[str]:
    """Unregister the task."""
    return ["schtasks", "/Delete", "/TN", TASKS[which], "/F"]


def query(which: Which = "daemon") -> list[str]:
    """Ask Task Scheduler about the task."""
    return ["schtasks", "/Query", "/TN", TASKS[which], "/FO", "LIST", "/V"]


END, RUN, DELETE, QUERY = end(), run(), delete(), query()


def create(which: Which = "daemon") -> list[str]:
    """Register (or replace) the task from its XML."""
    return ["schtasks", "/Create", "/TN", TASKS[which], "/XML", str(path(which)), "/F"]


def path(which: Which = "daemon") -> Path:
    """Where the task XML is kept (schtasks reads it from here)."""
    return Path(platformdirs.user_data_dir(APP)) / XML_NAMES[which]


def user_id() -> str:
    """DOMAIN\\user for the logon trigger and principal."""
    user = os.environ.get("USERNAME") or getpass.getuser()
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{user}" if domain else user


def arguments(cmd: DaemonCommand) -> list[str]:
    """The daemon's arguments; the URL moves to a flag since tasks carry no environment."""
    args = list(cmd.argv[1:])
    url = cmd.env.get("AMX_DATABASE_URL")
    if url and URL_FLAG not in args:
        args += [URL_FLAG, url]
    return args


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    child = ET.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def task_xml(cmd: DaemonCommand, which: Which = "daemon") -> ET.Element:
    """The task definition as an element tree."""
    # xmlns is written as a plain attribute: ElementTree's default_namespace option refuses the
    # schema's unqualified attributes (version, id, Context).
    task = ET.Element("Task", {"version": "1.2", "xmlns": NS})
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Description", DESCRIPTIONS[which])
    _sub(info, "URI", f"\\{TASKS[which]}")
    trigger = _sub(_sub(task, "Triggers"), "LogonTrigger")
    _sub(trigger, "Enabled", "true")
    _sub(trigger, "UserId", user_id())
    principal = _sub(_sub(task, "Principals"), "Principal", None)
    principal.set("id", "Author")
    _sub(principal, "UserId", user_id())
    _sub(principal, "LogonType", "InteractiveToken")
    _sub(principal, "RunLevel", "LeastPrivilege")
    settings = _sub(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("AllowHardTerminate", "true"),
        ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"),
        ("AllowStartOnDemand", "true"),
        ("Enabled", "true"),
        ("Hidden", "true"),
        ("RunOnlyIfIdle", "false"),
        ("WakeToRun", "false"),
        ("ExecutionTimeLimit", "PT0S"),
    ):
        _sub(settings, tag, value)
    restart = _sub(settings, "RestartOnFailure")
    _sub(restart, "Interval", "PT1M")
    _sub(restart, "Count", "255")  # the schema types it as an unsigned byte
    actions = _sub(task, "Actions")
    actions.set("Context", "Author")
    execute = _sub(actions, "Exec")
    _sub(execute, "Command", subprocess.list2cmdline([cmd.argv[0]]))
    _sub(execute, "Arguments", subprocess.list2cmdline(arguments(cmd)))
    _sub(execute, "WorkingDirectory", str(cmd.working_directory))
    return task


def render(cmd: DaemonCommand, which: Which = "daemon") -> str:
    """The task XML's text (declared UTF-16; install writes it in UTF-16, as schtasks wants)."""
    tree = task_xml(cmd, which)
    ET.indent(tree)
    return DECLARATION + ET.tostring(tree, encoding="unicode") + "\n"


def _steps(reinstall: bool, which: Which) -> list[Step]:
    steps = [Step(create(which))]
    if reinstall:
        note = f"already installed: stop the old {WHAT[which]}; failure is fine"
        steps.append(Step(end(which), note))
    return [*steps, Step(run(which))]


def preview(cmd: DaemonCommand, which: Which = "daemon") -> str:
    """What `--print` shows; installs nothing."""
    what = "Task Scheduler task XML" + (" for the API" if which == "api" else "")
    return format_preview(
        f"{what} (written as UTF-16)",
        path(which),
        render(cmd, which),
        _steps(path(which).exists(), which),
        windows=True,
    )


def installed_argv(which: Which = "daemon") -> list[str] | None:
    """The registered task's command and arguments, split on blanks (enough for its bare
    flags), or None when there is no task XML."""
    raw = read_or_none(path(which))
    if raw is None:
        return None
    try:
        task = ET.fromstring(raw)
    except ET.ParseError:
        return []
    ns = f"{{{NS}}}"
    command = task.findtext(f"{ns}Actions/{ns}Exec/{ns}Command") or ""
    args = task.findtext(f"{ns}Actions/{ns}Exec/{ns}Arguments") or ""
    return [command, *args.split()]


def install(runner: CommandRunner, cmd: DaemonCommand, which: Which = "daemon") -> InstallResult:
    """Write the XML, register the task (replacing an earlier one) and start it."""
    task = TASKS[which]
    target = path(which)
    previous = read_or_none(target)
    write_atomic(target, render(cmd, which).encode("utf-16"), 0o644)
    done = runner.run(create(which))
    if not done.ok:
        restore(target, previous)
        return InstallResult(
            False, f"schtasks could not register the task ({done.reason()}); nothing was installed."
        )
    if previous is not None:
        runner.run(end(which))
    started = runner.run(run(which))
    if not started.ok:
        return InstallResult(
            False,
            f"registered the task {task!r} but could not start it ({started.reason()}); "
            "it starts at your next logon.",
            target,
        )
    return InstallResult(
        True,
        f"registered and started the task {task!r}; it starts at logon and restarts on failure.",
        target,
        password_warnings(cmd),
    )


def uninstall(runner: CommandRunner, which: Which = "daemon") -> InstallResult:
    """End and delete the task and remove its XML; the schedules themselves are untouched."""
    task = TASKS[which]
    keep = f"; {KEEP_QUEUED}" if which == "daemon" else ""
    target = path(which)
    runner.run(end(which))
    done = runner.run(delete(which))
    if not done.ok and "cannot find" not in done.stderr.lower():
        return InstallResult(
            False, f"schtasks could not delete the task {task!r} ({done.reason()}){keep}."
        )
    target.unlink(missing_ok=True)
    if not done.ok:
        return InstallResult(True, f"no task {task!r} was registered{keep}.")
    return InstallResult(True, f"stopped the {WHAT[which]} and deleted the task {task!r}{keep}.")


def status(runner: CommandRunner, which: Which = "daemon") -> HookStatus:
    """Ask Task Scheduler whether the task exists and is running."""
    task = TASKS[which]
    if which == "api" and not path(which).exists():
        return HookStatus(False, False, f"no task {task!r} is registered")
    done = runner.run(query(which))
    if done.returncode == 127:
        return HookStatus(False, None, "schtasks is not available")
    if not done.ok:
        return HookStatus(False, False, f"no task {task!r} is registered")
    fields = dict(
        (key.strip(), value.strip())
        for key, sep, value in (line.partition(":") for line in done.stdout.splitlines())
        if sep
    )
    state = fields.get("Status", "unknown")
    return HookStatus(True, state == "Running", f"task {task!r}: {state}")

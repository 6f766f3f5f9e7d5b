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
END = ["schtasks", "/End", "/TN", TASK]
RUN = ["schtasks", "/Run", "/TN", TASK]
DELETE = ["schtasks", "/Delete", "/TN", TASK, "/F"]
QUERY = ["schtasks", "/Query", "/TN", TASK, "/FO", "LIST", "/V"]


def create() -> list[str]:
    """Register (or replace) the task from its XML."""
    return ["schtasks", "/Create", "/TN", TASK, "/XML", str(path()), "/F"]


def path() -> Path:
    """Where the task XML is kept (schtasks reads it from here)."""
    return Path(platformdirs.user_data_dir(APP)) / XML_NAME


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


def task_xml(cmd: DaemonCommand) -> ET.Element:
    """The task definition as an element tree."""
    # xmlns is written as a plain attribute: ElementTree's default_namespace option refuses the
    # schema's unqualified attributes (version, id, Context).
    task = ET.Element("Task", {"version": "1.2", "xmlns": NS})
    info = _sub(task, "RegistrationInfo")
    _sub(info, "Description", "AMX Studio Schedules daemon: fires queued metadata analysis runs.")
    _sub(info, "URI", f"\\{TASK}")
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


def render(cmd: DaemonCommand) -> str:
    """The task XML's text (declared UTF-16; install writes it in UTF-16, as schtasks wants)."""
    tree = task_xml(cmd)
    ET.indent(tree)
    return DECLARATION + ET.tostring(tree, encoding="unicode") + "\n"


def _steps(reinstall: bool) -> list[Step]:
    steps = [Step(create())]
    if reinstall:
        steps.append(Step(END, "already installed: stop the old daemon; failure is fine"))
    return [*steps, Step(RUN)]


def preview(cmd: DaemonCommand) -> str:
    """What `--print` shows; installs nothing."""
    return format_preview(
        "Task Scheduler task XML (written as UTF-16)",
        path(),
        render(cmd),
        _steps(path().exists()),
        windows=True,
    )


def install(runner: CommandRunner, cmd: DaemonCommand) -> InstallResult:
    """Write the XML, register the task (replacing an earlier one) and start it."""
    target = path()
    previous = read_or_none(target)
    write_atomic(target, render(cmd).encode("utf-16"), 0o644)
    done = runner.run(create())
    if not done.ok:
        restore(target, previous)
        return InstallResult(
            False, f"schtasks could not register the task ({done.reason()}); nothing was installed."
        )
    if previous is not None:
        runner.run(END)
    started = runner.run(RUN)
    if not started.ok:
        return InstallResult(
            False,
            f"registered the task {TASK!r} but could not start it ({started.reason()}); "
            "it starts at your next logon.",
            target,
        )
    return InstallResult(
        True,
        f"registered and started the task {TASK!r}; it starts at logon and restarts on failure.",
        target,
        password_warnings(cmd),
    )


def uninstall(runner: CommandRunner) -> InstallResult:
    """End and delete the task and remove its XML; the schedules themselves are untouched."""
    target = path()
    runner.run(END)
    done = runner.run(DELETE)
    if not done.ok and "cannot find" not in done.stderr.lower():
        return InstallResult(
            False, f"schtasks could not delete the task {TASK!r} ({done.reason()}); {KEEP_QUEUED}."
        )
    target.unlink(missing_ok=True)
    if not done.ok:
        return InstallResult(True, f"no task {TASK!r} was registered; {KEEP_QUEUED}.")
    return InstallResult(True, f"stopped the daemon and deleted the task {TASK!r}; {KEEP_QUEUED}.")


def status(runner: CommandRunner) -> HookStatus:
    """Ask Task Scheduler whether the task exists and is running."""
    done = runner.run(QUERY)
    if done.returncode == 127:
        return HookStatus(False, None, "schtasks is not available")
    if not done.ok:
        return HookStatus(False, False, f"no task {TASK!r} is registered")
    fields = dict(
        (key.strip(), value.strip())
        for key, sep, value in (line.partition(":") for line in done.stdout.splitlines())
        if sep
    )
    state = fields.get("Status", "unknown")
    return HookStatus(True, state == "Running", f"task {TASK!r}: {state}")

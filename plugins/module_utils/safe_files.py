# -*- coding: utf-8 -*-
# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# Private to the peerage.peerage collection: not an interface for other collections, plugins or
# custom providers, and it may change in any release without notice.


"""Files in folders that no other user can redirect.

The beacon's state directory and the run cache hold files that may carry a
secret, written by a process that may run as root. A folder another user may
write lets that user plant a symbolic link under a name the collection is
about to write (``myapp-45901.log`` -> ``/etc/shadow``), or swap a file
between a check and its use. So:

- a folder is used only when this user owns it and no other user may write
  it (:func:`check_folder`), and every folder above it is owned by root or
  this user and writable by no one else, or sticky like ``/tmp``
  (:func:`check_ancestors`);
- files are opened with ``O_NOFOLLOW``, written under a random temporary
  name that is created, never reused (``O_EXCL``), with its final mode and
  owner before any byte is written, then renamed into place;
- modes are set through the open descriptor, never through a path.

Runs on targets: standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import errno
import os
import pwd
import stat

from ansible_collections.peerage.peerage.plugins.module_utils.errors import PeerageError

# Group and others may not write a folder the collection keeps files in.
OTHERS_WRITE = stat.S_IWGRP | stat.S_IWOTH
# Group and others may neither read nor write a private folder.
OTHERS_ANY = 0o077


class UnsafePath(PeerageError):
    """A folder another user could use to redirect or replace a file; the message names it and what is allowed."""

    reason = "unsafe_path"


def user_name(uid):
    """``alice (uid 1000)``, or ``uid 1000`` for a uid with no account."""
    try:
        return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
    except KeyError:
        return "uid %d" % uid


def _this_user():
    return user_name(os.geteuid())


def check_folder(path, what="folder", private=False):
    """The ``lstat`` of ``path``, a folder of this user that no other user may write (nor read, if ``private``).

    Raises :class:`UnsafePath` naming the folder, its owner and mode, and what
    is allowed. A symbolic link is refused: it may point anywhere.
    """
    info = os.lstat(path)
    mask = OTHERS_ANY if private else OTHERS_WRITE
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & mask:
        return info
    if stat.S_ISLNK(info.st_mode):
        found = "a symbolic link"
    elif not stat.S_ISDIR(info.st_mode):
        found = "not a folder"
    else:
        found = "owned by %s with mode %04o" % (user_name(info.st_uid), stat.S_IMODE(info.st_mode))
    if private:
        allowed = "no other user may read or write (mode 0700)"
    else:
        allowed = "no other user may write (no group or other write bit, e.g. 0755)"
    raise UnsafePath(
        "%s %s is not safe to use: it is %s; allowed: a folder owned by %s that %s"
        % (what, path, found, _this_user(), allowed)
    )


def check_ancestors(path, what="folder"):
    """Refuse ``path`` if a folder above it could be changed by another user.

    Each existing folder above it must be owned by root or this user and be
    writable by no one else, unless it is sticky (``/tmp``: others may not
    rename or remove what they do not own). ``path`` must be absolute and
    resolved (``os.path.realpath``).
    """
    trusted = (0, os.geteuid())
    parent = os.path.dirname(path)
    folders = []
    while True:
        folders.append(parent)
        up = os.path.dirname(parent)
        if up == parent:
            break
        parent = up
    for folder in reversed(folders):
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            return  # the rest is made by this user
        sticky = info.st_mode & stat.S_ISVTX
        if stat.S_ISDIR(info.st_mode) and info.st_uid in trusted and (sticky or not info.st_mode & OTHERS_WRITE):
            continue
        owners = "root" if os.geteuid() == 0 else "root or " + _this_user()
        raise UnsafePath(
            "%s %s is not safe to use: the folder %s above it is %s; allowed: folders above it owned by %s"
            " that no other user may write, unless they are sticky like /tmp"
            % (what, path, folder, _describe_ownership(info), owners)
        )


def _describe_ownership(info):
    if stat.S_ISLNK(info.st_mode):
        return "a symbolic link"
    return "owned by %s with mode %04o" % (user_name(info.st_uid), stat.S_IMODE(info.st_mode))


def make_folder(path, mode, what="folder", exact_mode=False):
    """Make ``path`` and any missing folder above it with ``mode`` (whatever the umask); check it.

    An existing folder keeps its mode unless ``exact_mode``. Returns True if
    ``path`` was made or its mode changed. Raises :class:`UnsafePath` if it
    is not a folder of this user that no other user may write.
    """
    parent = os.path.dirname(path)
    if parent != path and not os.path.lexists(parent):
        make_folder(parent, mode, what="the folder above " + what)
    made = False
    try:
        os.mkdir(path, mode)
        made = True
    except FileExistsError:
        pass
    info = check_folder(path, what)
    if made or (exact_mode and stat.S_IMODE(info.st_mode) != mode):
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            os.fchmod(descriptor, mode)
        finally:
            os.close(descriptor)
        return True
    return False


def read_file(path):
    """``(bytes, fstat)`` of the file ``path``, or None if there is none; a symbolic link is an error (ELOOP)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        return handle.read(), info


def read_bytes(path):
    """The content of the file ``path``, or None if there is none."""
    found = read_file(path)
    return None if found is None else found[0]


def _scratch_name(path):
    # Random: a name nobody can guess and plant a link under first.
    return "%s.%s.tmp" % (path, binascii.hexlify(os.urandom(8)).decode("ascii"))


def write_file(path, data, mode, owner=None, replace=True, check=None):
    """Write ``data`` to ``path`` as a whole, with ``mode`` and ``owner`` (``(uid, gid)``) from the start.

    Readers see the old file or the new one, never a part. The data is written
    to a new file under a random name, made with ``O_EXCL | O_NOFOLLOW``
    and given its final mode and owner before any byte is written, then
    renamed over ``path``; with ``replace=False`` it is linked to ``path``
    instead, and :class:`FileExistsError` says another file was there first.
    ``check``, when given, is called with the new file's path before it takes
    the place of ``path``; an error it raises leaves ``path`` as it was.
    """
    scratch = _scratch_name(path)
    # Made with no more than the final mode (the umask only takes bits away), then set exactly.
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode & 0o700)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if owner is not None:
                os.fchown(handle.fileno(), owner[0], owner[1])
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
        if check is not None:
            check(scratch)
        if replace:
            os.replace(scratch, path)
        else:
            os.link(scratch, path)
    finally:
        remove(scratch)


def write_if_changed(path, data, mode, owner=None):
    """Write ``data`` (see :func:`write_file`) unless ``path`` holds it with ``mode`` and ``owner``; True if written."""
    try:
        found = read_file(path)
    except OSError:
        found = None  # not a regular file, or a link: replaced by the rename
    if found is not None:
        current, info = found
        same_owner = owner is None or (info.st_uid, info.st_gid) == tuple(owner)
        if current == data and stat.S_IMODE(info.st_mode) == mode and same_owner:
            return False
    write_file(path, data, mode, owner)
    return True


def create_new(path, mode):
    """Remove whatever ``path`` names (a planted link included, never its target) and open a new, empty file there.

    Returns the descriptor, open for writing; the file has ``mode`` from the start.
    """
    remove(path)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode & 0o700)
    os.fchmod(descriptor, mode)
    return descriptor


def remove(path):
    """Remove the file (or link) ``path``; True if there was one."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    return True

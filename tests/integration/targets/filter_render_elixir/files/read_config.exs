# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# elixir read_config.exs FORMAT SYNTAX PATH
#
# Reads a file the peerage or libcluster format wrote, the way a release does:
# Config.Reader.read!/1 for the Elixir syntax, :file.consult/1 for the Erlang
# term. Prints the settings other than the node list on the first line, then
# one node per line; fails unless every node is an atom.

[format, syntax, path] = System.argv()

config =
  case syntax do
    "elixir" ->
      Config.Reader.read!(path)

    "erlang" ->
      {:ok, [config]} = :file.consult(path)
      config
  end

{settings, nodes} =
  case {format, config} do
    {"peerage", [peerage: settings]} ->
      {Keyword.delete(settings, :node_list), Keyword.fetch!(settings, :node_list)}

    {"libcluster", [libcluster: [topologies: [{name, topology}]]]} ->
      strategy_config = Keyword.fetch!(topology, :config)
      summary = [topology: name, strategy: topology[:strategy], timeout: strategy_config[:timeout]]
      {summary, Keyword.fetch!(strategy_config, :hosts)}
  end

true = Enum.all?(nodes, &is_atom/1)
IO.puts(inspect(settings))
Enum.each(nodes, &IO.puts(Atom.to_string(&1)))

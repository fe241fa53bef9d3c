# Copyright (c) peerage.peerage contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# elixir --name NODE --cookie COOKIE cluster_node.exs peerage|libcluster CONFIG STATUS
#
# A distributed Elixir node that joins its cluster the way a release does with
# Peerage or libcluster, from the file the peerage role wrote, read with
# Config.Reader.read!/1. Peerage and libcluster are hex packages, which this
# test cannot fetch, so their connection loops are emulated here:
#
# - peerage: Peerage.Server polls its provider every `interval` seconds; with
#   Peerage.Via.List the poll is the configured node_list, and each listed
#   node that is not yet connected is connected with Node.connect/1.
# - libcluster: Cluster.Strategy.Epmd connects to every host of `hosts` when
#   it starts, then again each time its GenServer `timeout` (ms) passes, and
#   never again when the timeout is :infinity.
#
# Every 200 ms the node writes its sorted Node.list() to STATUS, one per line.

[mode, config_path, status_path] = System.argv()

connect = fn nodes ->
  for peer <- nodes, peer != node(), peer not in Node.list(), do: Node.connect(peer)
end

{nodes, pause} =
  case {mode, Config.Reader.read!(config_path)} do
    {"peerage", [peerage: settings]} ->
      Peerage.Via.List = Keyword.fetch!(settings, :via)
      {Keyword.fetch!(settings, :node_list), :timer.seconds(Keyword.get(settings, :interval, 10))}

    {"libcluster", [libcluster: [topologies: [{_name, topology}]]]} ->
      Cluster.Strategy.Epmd = Keyword.fetch!(topology, :strategy)
      config = Keyword.fetch!(topology, :config)
      {Keyword.fetch!(config, :hosts), Keyword.get(config, :timeout, :infinity)}
  end

IO.puts("#{node()}: #{mode} lists #{inspect(nodes)}, again every #{inspect(pause)}")

spawn_link(fn ->
  Stream.repeatedly(fn ->
    text = Node.list() |> Enum.map(&"#{&1}\n") |> Enum.sort() |> Enum.join()
    File.write!(status_path <> ".tmp", text)
    File.rename!(status_path <> ".tmp", status_path)
    Process.sleep(200)
  end)
  |> Stream.run()
end)

connect.(nodes)
IO.puts("#{node()}: connected after the first round: #{inspect(Node.list())}")

case pause do
  :infinity ->
    Process.sleep(:infinity)

  ms ->
    Stream.repeatedly(fn ->
      Process.sleep(ms)
      connect.(nodes)
    end)
    |> Stream.run()
end

%% An escript: run it as `escript cluster_check.escript ...` (escript skips this first line).
%%! -hidden
%% Copyright (c) peerage.peerage contributors
%% GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
%% SPDX-License-Identifier: GPL-3.0-or-later
%%
%% Asks every node of a cluster for nodes() until each lists all the others,
%% or the timeout passes; then runs net_adm:world() with the .hosts.erlang
%% of the current directory. Runs as a hidden node, so it never shows up in
%% the nodes() it checks.
%%
%%   escript cluster_check.escript PROBE_NODE COOKIE TIMEOUT_MS NODE...
%%
%% Prints one line per node and a summary; exits 0 when the cluster is
%% complete and world() found every node, 1 otherwise.

main([Probe, Cookie, TimeoutMs | NodeArgs]) ->
    {ok, _} = net_kernel:start([list_to_atom(Probe), longnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)),
    Nodes = lists:sort([list_to_atom(N) || N <- NodeArgs]),
    Start = erlang:monotonic_time(millisecond),
    Deadline = Start + list_to_integer(TimeoutMs),
    {Complete, Seen} = wait(Nodes, Deadline),
    Elapsed = erlang:monotonic_time(millisecond) - Start,
    lists:foreach(fun({N, Others}) -> io:format("node ~s nodes() = ~p~n", [N, Others]) end, Seen),
    io:format("cluster ~s after ~b ms~n", [case Complete of true -> "complete"; false -> "INCOMPLETE" end, Elapsed]),
    World = lists:sort([N || N <- net_adm:world(), lists:member(N, Nodes)]),
    io:format("net_adm:world() found ~p~n", [World]),
    WorldOk = World =:= Nodes,
    halt(case Complete andalso WorldOk of true -> 0; false -> 1 end).

wait(Nodes, Deadline) ->
    Seen = [{N, others(N)} || N <- Nodes],
    Complete = lists:all(fun({N, Others}) -> Others =:= Nodes -- [N] end, Seen),
    case Complete orelse erlang:monotonic_time(millisecond) >= Deadline of
        true -> {Complete, Seen};
        false -> timer:sleep(200), wait(Nodes, Deadline)
    end.

others(Node) ->
    case rpc:call(Node, erlang, nodes, [], 2000) of
        List when is_list(List) -> lists:sort(List);
        Error -> Error
    end.

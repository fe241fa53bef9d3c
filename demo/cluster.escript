%% An escript: run it as `escript cluster.escript ...` (escript skips this first line).
%%! -hidden
%% Copyright (c) peerage.peerage contributors
%% GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
%% SPDX-License-Identifier: GPL-3.0-or-later
%%
%% The demo's look at its Erlang cluster, from a hidden node (one that never
%% shows up in nodes()):
%%
%%   escript cluster.escript check PROBE COOKIE TIMEOUT_MS NODE...
%%       asks the first NODE for nodes() until it lists all the others, or
%%       the timeout passes; prints what it saw; exits 0 when it lists them all.
%%   escript cluster.escript stop PROBE COOKIE NODE...
%%       stops each NODE that answers, printing its OS process id.

main(["check", Probe, Cookie, TimeoutMs | NodeArgs]) ->
    connect(Probe, Cookie),
    [First | Others] = [list_to_atom(N) || N <- NodeArgs],
    Deadline = erlang:monotonic_time(millisecond) + list_to_integer(TimeoutMs),
    Seen = wait(First, lists:sort(Others), Deadline),
    io:format("~s: nodes() = ~p~n", [First, Seen]),
    halt(case Seen =:= lists:sort(Others) of true -> 0; false -> 1 end);
main(["stop", Probe, Cookie | NodeArgs]) ->
    connect(Probe, Cookie),
    lists:foreach(fun(N) -> stop(list_to_atom(N)) end, NodeArgs),
    halt(0).

stop(Node) ->
    case rpc:call(Node, os, getpid, [], 2000) of
        Pid when is_list(Pid) -> rpc:call(Node, init, stop, [], 2000), io:format("~s~n", [Pid]);
        _ -> ok
    end.

connect(Probe, Cookie) ->
    {ok, _} = net_kernel:start([list_to_atom(Probe), longnames]),
    erlang:set_cookie(node(), list_to_atom(Cookie)).

wait(Node, Expected, Deadline) ->
    Seen = case rpc:call(Node, erlang, nodes, [], 2000) of
        List when is_list(List) -> lists:sort(List);
        Error -> Error
    end,
    case Seen =:= Expected orelse erlang:monotonic_time(millisecond) >= Deadline of
        true -> Seen;
        false -> timer:sleep(200), wait(Node, Expected, Deadline)
    end.

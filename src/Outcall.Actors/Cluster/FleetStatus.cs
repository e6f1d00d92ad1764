namespace Outcall.Cluster;

/// <summary>The cluster as one node sees it: members, and what each reported about its rules and traffic.</summary>
public sealed record FleetStatus(string Self, string? Leader, IReadOnlyList<FleetMember> Members);

/// <summary>One member; <paramref name="Node"/> is null until its first status report arrives.</summary>
public sealed record FleetMember(string Address, string Status, bool Reachable, IReadOnlyList<string> Roles, NodeStatus? Node);

namespace Outcall.Cluster;

/// <summary>
/// A replicated rule set's version: the replication register's timestamp (UTC ticks, strictly above the
/// one it replaced) and the node that wrote it. Every node converges on the same register, so on the
/// same version; ties between concurrent writes are broken by the register, the same way everywhere.
/// </summary>
public sealed record RuleSetVersion(long Timestamp, string Origin)
{
    public override string ToString() => $"{new DateTime(Timestamp, DateTimeKind.Utc):yyyy-MM-ddTHH:mm:ss.fffffffZ}@{Origin}";
}

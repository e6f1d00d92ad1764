using System.Text;

namespace Outcall.LoadTools;

/// <summary>
/// Writes an Outcall rule file of N rules in the shapes real rule sets use (hostname equality, `in`
/// lists, suffixes, paths, headers, ports), none of which matches 127.0.0.1, then the final allow
/// for loopback that the benchmark traffic needs. N = 1 writes only that allow.
/// </summary>
internal static class RuleSetWriter
{
    public static int Run(Options options)
    {
        var count = options.Int("count", 1);
        var directory = Directory.CreateDirectory(options.Text("out"));
        var yaml = new StringBuilder("version: \"1\"\nrules:\n");
        for (var i = 0; i < count - 1; i++)
        {
            var condition = (i % 6) switch
            {
                0 => $"network.hostname == \"api{i}.example.com\" && http.path.startsWith(\"/v1/\")",
                1 => $"network.hostname in [\"cdn{i}.example.net\", \"mirror{i}.example.net\"]",
                2 => $"network.hostname.endsWith(\".svc{i}.internal\") && http.method == \"POST\"",
                3 => $"network.hostname == \"registry{i}.npmjs.org\" && http.headers[\"user-agent\"].startsWith(\"npm/\")",
                4 => $"network.hostname.endsWith(\".team{i}.corp\") && http.path.startsWith(\"/repo/{i}/\")",
                _ => $"network.port == {40000 + i} && network.hostname.endsWith(\".example.org\")",
            };
            yaml.Append($"  - id: rule-{i}\n    condition: '{condition}'\n    action: {(i % 2 == 0 ? "allow" : "block")}\n");
        }
        yaml.Append("  - id: allow-loopback-bench\n    condition: 'network.hostname == \"127.0.0.1\"'\n    action: allow\n    priority: 1000\n")
            .Append("    egress:\n      allow_private_ips: true\n");
        File.WriteAllText(Path.Combine(directory.FullName, "rules.yaml"), yaml.ToString());
        Console.WriteLine($"rules={count} dir={directory.FullName}");
        return 0;
    }
}

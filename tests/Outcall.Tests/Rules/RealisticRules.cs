using System.Text;

namespace Outcall.Tests.Rules;

/// <summary>A generated rule file in the shapes real rule sets use: hostname equality, `in` lists, suffixes, paths, headers.</summary>
internal static class RealisticRules
{
    public static string Yaml(int count)
    {
        var yaml = new StringBuilder("version: \"1\"\nrules:\n");
        for (var i = 0; i < count; i++)
        {
            var condition = (i % 5) switch
            {
                0 => $"network.hostname == \"host{i}.example.com\" && http.path.startsWith(\"/api/\")",
                1 => $"network.hostname in [\"host{i}.example.com\", \"mirror{i}.example.com\"]",
                2 => $"network.hostname.endsWith(\".svc{i}.internal\") || network.hostname == \"svc{i}.internal\" && http.method == \"POST\"",
                3 => $"network.hostname == \"registry.npmjs.org\" && http.headers[\"user-agent\"].startsWith(\"npm/{i}\")",
                _ => $"network.port == {8000 + i} && http.method in [\"GET\", \"HEAD\"]",
            };
            yaml.Append($"  - id: rule-{i}\n    condition: '{condition.Replace("'", "''")}'\n    action: {(i % 2 == 0 ? "allow" : "block")}\n    priority: {i % 7 * 10}\n");
        }
        return yaml.ToString();
    }
}

using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Outcall.Http;

namespace Outcall.Tests.Http;

/// <summary>
/// A generated valid request and an independent reference writer for it, so properties can compare
/// what the parser reports with what the test meant to send.
/// </summary>
public sealed record HeadModel(string Method, string Host, int? Port, string PathAndQuery, int VersionMinor,
    IReadOnlyList<(string Name, string Value, string LeadingOws, string TrailingOws)> Fields, BodyFraming Framing, long ContentLength)
{
    public string Authority => Port is { } port ? $"{Host}:{port}" : Host;

    public IReadOnlyList<HeaderField> ExpectedFields
    {
        get
        {
            var fields = new List<HeaderField> { new("Host", Authority) };
            fields.AddRange(Fields.Select(f => new HeaderField(f.Name, f.Value)));
            if (Framing == BodyFraming.ContentLength) fields.Add(new HeaderField("Content-Length", ContentLength.ToString()));
            if (Framing == BodyFraming.Chunked) fields.Add(new HeaderField("Transfer-Encoding", "chunked"));
            return fields;
        }
    }

    public byte[] Write()
    {
        var text = new StringBuilder();
        text.Append($"{Method} http://{Authority}{PathAndQuery} HTTP/1.{VersionMinor}\r\n");
        text.Append($"Host: {Authority}\r\n");
        foreach (var (name, value, leading, trailing) in Fields) text.Append($"{name}:{leading}{value}{trailing}\r\n");
        if (Framing == BodyFraming.ContentLength) text.Append($"Content-Length: {ContentLength}\r\n");
        if (Framing == BodyFraming.Chunked) text.Append("Transfer-Encoding: chunked\r\n");
        text.Append("\r\n");
        return Encoding.Latin1.GetBytes(text.ToString());
    }

    public override string ToString() => Encoding.Latin1.GetString(Write()).Replace("\r\n", "\\r\\n");

    private const string TChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string PathChars = "abcXYZ019-._~!$&'()*+,;=:@";

    private static Gen<string> StringOf(string alphabet, int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Gen.Elements(alphabet.ToCharArray()), n)).Select(chars => new string(chars));

    private static readonly Gen<string> HostGen = Gen.OneOf(
        Gen.Zip(Gen.Elements("a", "api", "x-1", "svc_2", "0a"), Gen.Elements("example", "internal", "com", "io", "localhost"))
            .Select(p => p.Item1 + "." + p.Item2),
        Gen.Elements("localhost", "example.com"),
        Gen.ArrayOf(Gen.Choose(0, 255), 4).Select(parts => string.Join('.', parts)),
        Gen.Elements("[2001:db8::5]", "[::1]", "[fe80::1:2]"));

    private static readonly Gen<string> PathGen =
        Gen.Zip(Gen.ListOf(StringOf(PathChars, 1, 6).Where(s => s.Split(';')[0] is not ("." or "..")), 4), Gen.OneOf(Gen.Constant(""), StringOf(PathChars + "/?", 0, 10).Select(q => "?" + q)))
            .Select(p => "/" + string.Join('/', p.Item1) + p.Item2);

    private static readonly Gen<(string, string, string, string)> FieldGen =
        from name in StringOf(TChars.Replace("_", ""), 1, 12)
        from value in StringOf("abc XYZ019!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~\t", 0, 20)
        from leading in Gen.Elements("", " ", "\t", "  ")
        from trailing in Gen.Elements("", " ", "\t ")
        select ("X-" + name, value.Trim(' ', '\t'), leading, trailing);

    public static readonly Gen<HeadModel> Generator =
        from method in Gen.Elements("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "X-CUSTOM", "m_1")
        from host in HostGen
        from port in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(1, 65535).Select(p => (int?)p))
        from path in PathGen
        from minor in Gen.Elements(0, 1)
        from fields in Gen.ListOf(FieldGen, 12)
        from framing in Gen.Elements(BodyFraming.None, BodyFraming.ContentLength, BodyFraming.Chunked)
        from length in Gen.Choose(0, int.MaxValue)
        let allowedFraming = method == "GET" || (framing == BodyFraming.Chunked && minor == 0) ? BodyFraming.None : framing
        select new HeadModel(method, host, port, path, minor, fields, allowedFraming, allowedFraming == BodyFraming.ContentLength ? length : 0);

    /// <summary>Overwrites or inserts bytes at the given positions (wrapped to the head's length).</summary>
    public static byte[] Mutate(byte[] head, IEnumerable<(int, byte)> edits, bool insert)
    {
        var bytes = head.ToList();
        foreach (var (at, value) in edits)
        {
            var index = at % bytes.Count;
            if (insert) bytes.Insert(index, value);
            else bytes[index] = value;
        }
        return [.. bytes];
    }
}

namespace Outcall.Http;

/// <summary>One header field as received (name in its original case, value trimmed of OWS).</summary>
public readonly record struct HeaderField(string Name, string Value);

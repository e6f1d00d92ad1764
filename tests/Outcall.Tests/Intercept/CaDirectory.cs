using Outcall.Intercept;

namespace Outcall.Tests.Intercept;

/// <summary>A per-test directory for CA files, deleted afterwards.</summary>
internal sealed class CaDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("outcall-ca-").FullName;

    public string CertificatePath => System.IO.Path.Combine(Path, CaFiles.CertificateFileName);
    public string KeyPath => System.IO.Path.Combine(Path, CaFiles.KeyFileName);

    /// <summary>A fresh CA written here, as `outcall ca init` writes it.</summary>
    public CaDirectory WithNewCa(TimeProvider? time = null)
    {
        using var ca = CertificateAuthority.Generate(time);
        CaFiles.Write(ca, Path);
        return this;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

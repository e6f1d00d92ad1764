using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Outcall.Tests.Admin;

/// <summary>
/// Debian's chromium, headless, driven by Debian's chromedriver through Selenium WebDriver: a fresh profile, no
/// network of its own (no sync, updates, QUIC or background requests), so the only traffic is the page's.
/// A missing browser fails the specs that need it (.ci/run installs it), it never skips them.
/// </summary>
public sealed class HeadlessChromium : IDisposable
{
    public const string BrowserPath = "/usr/bin/chromium";
    public const string DriverPath = "/usr/bin/chromedriver";

    private readonly DirectoryInfo _profile;

    public WebDriver Driver { get; }

    public HeadlessChromium()
    {
        if (!File.Exists(BrowserPath) || !File.Exists(DriverPath))
            throw new InvalidOperationException(
                $"headless Chromium is missing ({BrowserPath}, {DriverPath}): apt-get install -y chromium chromium-driver, as .ci/run does");
        _profile = Directory.CreateTempSubdirectory("outcall-chromium-");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = BrowserPath };
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--window-size=1440,900", $"--user-data-dir={_profile.FullName}");
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>Waits (bounded) until <paramref name="found"/> returns a value, or fails naming what was awaited.</summary>
    public T WaitFor<T>(string what, Func<IWebDriver, T?> found, TimeSpan? timeout = null)
    {
        var wait = new WebDriverWait(Driver, timeout ?? TimeSpan.FromSeconds(20)) { Message = $"the page did not show {what}" };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(driver => found(driver))!;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            _profile.Delete(recursive: true);
        }
        catch (IOException)
        {
            // The browser may hold its profile for a moment after quitting; the temp folder is cleaned by the OS.
        }
    }
}

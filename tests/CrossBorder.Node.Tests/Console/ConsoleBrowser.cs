using Microsoft.Playwright;

namespace CrossBorder.Node.Tests.Console;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright for .NET (its own browser download is not available here). Each
/// launch gets a fresh profile from Playwright; the flags keep Chromium off the network it cannot reach.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    /// <summary>The path of every request a page of this browser made (to check what the console reads).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> Requests { get; } = [];

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            if (Environment.GetEnvironmentVariable("CI") is { Length: > 0 })
                Assert.Fail($"{ChromiumPath} is missing: .ci/run installs Debian's chromium");
            Assert.Ignore($"{ChromiumPath} is missing: apt-get install chromium to run the browser tests");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
        return new ConsoleBrowser(playwright, browser);
    }

    /// <summary>A new browser context (its own cookies and storage) with a laptop-sized window.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1366, Height = 850 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        page.Console += (_, m) =>
        {
            if (m.Type is "error" or "warning") TestContext.Progress.WriteLine($"browser console {m.Type}: {m.Text}");
        };
        page.Request += (_, r) => Requests.Add(new Uri(r.Url).AbsolutePath);
        page.PageError += (_, e) => TestContext.Progress.WriteLine($"browser page error: {e}");
        page.Response += (_, r) =>
        {
            if (r.Status >= 400) TestContext.Progress.WriteLine($"browser response: {r.Status} {r.Url}");
        };
        return page;
    }

    /// <summary>Keeps a screenshot of the whole page as a test artifact.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "console-screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}

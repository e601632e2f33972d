using System.Net;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using CrossBorder.Cli.Users;
using CrossBorder.Node.Tests.Audit;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CrossBorder.Node.Tests.Console;

/// <summary>Console accounts made with the CLI, and signing in as a person would: by browser, or by plain HTTP for the login form.</summary>
public static partial class ConsolePeople
{
    public static async Task AddAsync(TestNode node, string name, string role, string password)
    {
        var exit = await new UsersAddCommand(new StringReader(password + "\n"), TextWriter.Null, TextWriter.Null)
            .RunAsync(node.ConnectionString, name, role, CancellationToken.None);
        Assert.That(exit, Is.Zero, $"users add {name}");
    }

    /// <summary>Opens the console, is sent to the login page, signs in; returns once the console shows its first page.</summary>
    public static async Task SignInAsync(IPage page, TestNode node, string name, string password)
    {
        await page.GotoAsync(new Uri(node.Url, "console/").AbsoluteUri);
        try
        {
            await page.WaitForURLAsync(new Regex("/console/login"));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"not sent to the login page; at {page.Url}: {await page.ContentAsync()}");
        }
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", password);
        await page.ClickAsync("#sign-in");
        await page.WaitForSelectorAsync("#nav a");
    }

    /// <summary>Posts the login form over HTTP (with its antiforgery token); the status says whether the sign-in was accepted (302).</summary>
    public static async Task<HttpStatusCode> PostLoginAsync(TestNode node, string name, string password)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = node.Url };
        var form = await http.GetStringAsync("console/login");
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        using var response = await http.PostAsync("console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["af"] = WebUtility.HtmlDecode(token),
            ["name"] = name,
            ["password"] = password,
        }));
        return response.StatusCode;
    }

    /// <summary>Waits until the node's audit log (read through its auditor API) holds an entry of <paramref name="kind"/> that matches.</summary>
    public static async Task<JsonObject> AuditedAsync(TestNode node, string kind, Func<JsonObject, bool> match, string what)
    {
        using var auditor = await node.AuditorAsync();
        var entries = await NodePair.EventuallyAsync(() => AuditProbe.EntriesAsync(auditor, "&kind=" + kind),
            all => all.Any(match), TimeSpan.FromSeconds(20), $"the audit log records {what}");
        return entries.First(match);
    }

    [GeneratedRegex("name=\"af\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}

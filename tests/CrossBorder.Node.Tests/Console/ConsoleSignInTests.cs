using System.Net;
using CrossBorder.Cli.Commands;
using CrossBorder.Cli.Users;
using CrossBorder.Node.Console;
using CrossBorder.Node.Tests.Infrastructure;
using Microsoft.Playwright;

namespace CrossBorder.Node.Tests.Console;

/// <summary>
/// Issue 15: people's accounts made by the CLI against real PostgreSQL (add, disable, reset), lockout after repeated
/// failures, the cookie's flags, and the console's Content-Security-Policy.
/// </summary>
[TestFixture]
public sealed class ConsoleSignInTests
{
    private const string Password = "a long enough password";
    private NodePair _pair = null!;
    private ConsoleBrowser? _browser;

    [OneTimeSetUp]
    public async Task StartAsync() =>
        _pair = await NodePair.StartAsync(adjust: (_, c) => c["Console:MaxFailedAttempts"] = "3");

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        await _pair.DisposeAsync();
    }

    private TestNode Fr => _pair.Fr;

    [Test]
    public async Task SignIn_RepeatedFailures_LockedOutEvenWithRightPasswordUntilReset()
    {
        await ConsolePeople.AddAsync(Fr, "lucy", "auditor", Password);
        _browser ??= await ConsoleBrowser.LaunchAsync();
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(new Uri(Fr.Url, "console/").AbsoluteUri);
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/console/login"));
        await ConsoleBrowser.ScreenshotAsync(page, "login");
        for (var i = 0; i < 3; i++)
        {
            await page.FillAsync("#name", "lucy");
            await page.FillAsync("#password", "wrong password " + i);
            await page.ClickAsync("#sign-in");
            await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Sign-in refused");
        }
        await ConsoleBrowser.ScreenshotAsync(page, "login-refused");
        // Locked: the right password is refused too, with the same message.
        await page.FillAsync("#name", "lucy");
        await page.FillAsync("#password", Password);
        await page.ClickAsync("#sign-in");
        await Assertions.Expect(page.Locator("#error")).ToContainTextAsync("Sign-in refused");

        var entries = await ConsolePeople.AuditedAsync(Fr, "security.sign_in_refused", e => e["code"]?.GetValue<string>() == "locked_out",
            "the refusal of a locked account");
        Assert.That(entries["client"]!.GetValue<string>(), Is.EqualTo(ConsoleClient.ClientId));
        Assert.That(entries["detail"]!.GetValue<string>(), Does.StartWith("account=").And.Not.Contain("lucy"), "the account id, never the name");
        await ConsolePeople.AuditedAsync(Fr, "security.sign_in_refused", e => e["code"]?.GetValue<string>() == "locked_now", "the failure that locked it");
        await ConsolePeople.AuditedAsync(Fr, "security.sign_in_refused", e => e["code"]?.GetValue<string>() == "bad_password", "a wrong password");

        // The operator resets the password: the lockout is lifted and the new password signs in.
        var reset = await new UsersResetCommand(new StringReader("a brand new password\n"), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "lucy", CancellationToken.None);
        Assert.That(reset, Is.Zero);
        await page.FillAsync("#name", "lucy");
        await page.FillAsync("#password", "a brand new password");
        await page.ClickAsync("#sign-in");
        await page.WaitForSelectorAsync("#entries");
        await ConsolePeople.AuditedAsync(Fr, "console.sign_in", e => e["code"]?.GetValue<string>() == "auditor", "the sign-in");

        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "crossborder-console");
        Assert.Multiple(() =>
        {
            Assert.That(cookie.HttpOnly, Is.True);
            Assert.That(cookie.SameSite, Is.EqualTo(SameSiteAttribute.Strict));
            Assert.That(cookie.Secure, Is.False, "plain HTTP on loopback; Secure whenever the request is HTTPS");
        });
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task UsersDisable_SignedInSession_NoLongerAuthorizes()
    {
        await ConsolePeople.AddAsync(Fr, "sam", "operator", Password);
        _browser ??= await ConsoleBrowser.LaunchAsync();
        var page = await _browser.NewPageAsync();
        await ConsolePeople.SignInAsync(page, Fr, "sam", Password);
        Assert.That(await new UsersDisableCommand(TextWriter.Null, TextWriter.Null).RunAsync(Fr.ConnectionString, "sam", CancellationToken.None), Is.Zero);
        // The access token in hand lives at most 5 minutes; a new one needs the sign-in cookie, which no longer authorizes.
        await page.EvaluateAsync("() => sessionStorage.clear()");
        await page.ReloadAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/console/login"));
        await page.Context.CloseAsync();
    }

    [Test]
    public async Task UsersAdd_NameTaken_ExitsOneAndKeepsTheFirst()
    {
        await ConsolePeople.AddAsync(Fr, "twin", "operator", Password);
        var again = await new UsersAddCommand(new StringReader("another long password\n"), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "twin", "auditor", CancellationToken.None);
        Assert.That(again, Is.EqualTo(ExitCodes.Failure));
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "twin", Password), Is.EqualTo(HttpStatusCode.Redirect));
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "twin", "another long password"), Is.EqualTo(HttpStatusCode.Unauthorized));
        await ConsolePeople.AuditedAsync(Fr, "console.account_changed", e => e["code"]?.GetValue<string>() == "added:operator"
            && e["client"]?.GetValue<string>() == "cli", "the account's creation");
    }

    [Test]
    public async Task UsersAdd_BadInput_RefusedAsUsage()
    {
        await AsyncAssert.ThrowsAsync<UsageException>(() => new UsersAddCommand(new StringReader("short\n"), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "shorty", "auditor", CancellationToken.None), "a password under 12 characters");
        await AsyncAssert.ThrowsAsync<UsageException>(() => new UsersAddCommand(new StringReader(Password), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "boss", "admin", CancellationToken.None), "a role that does not exist");
        await AsyncAssert.ThrowsAsync<UsageException>(() => new UsersAddCommand(new StringReader(Password), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "two words", "auditor", CancellationToken.None), "a name with a space");
        Assert.That(await CliApp.InvokeAsync(["users", "add", "--connection", Fr.ConnectionString, "--name", "x", "--role", "auditor"],
            TextWriter.Null, TextWriter.Null), Is.EqualTo(ExitCodes.Usage), "--password-stdin is required");
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "shorty", "short"), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task UsersDisable_AccountCannotSignIn()
    {
        await ConsolePeople.AddAsync(Fr, "dora", "auditor", Password);
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "dora", Password), Is.EqualTo(HttpStatusCode.Redirect));
        var exit = await new UsersDisableCommand(TextWriter.Null, TextWriter.Null).RunAsync(Fr.ConnectionString, "dora", CancellationToken.None);
        Assert.That(exit, Is.Zero);
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "dora", Password), Is.EqualTo(HttpStatusCode.Unauthorized));
        await ConsolePeople.AuditedAsync(Fr, "security.sign_in_refused", e => e["code"]?.GetValue<string>() == "disabled", "a disabled account's attempt");
        var unknown = await new UsersDisableCommand(TextWriter.Null, TextWriter.Null).RunAsync(Fr.ConnectionString, "nobody", CancellationToken.None);
        Assert.That(unknown, Is.EqualTo(ExitCodes.Failure));
    }

    [Test]
    public async Task UsersReset_OldPasswordRefusedNewOneAccepted()
    {
        await ConsolePeople.AddAsync(Fr, "rita", "operator", Password);
        var exit = await new UsersResetCommand(new StringReader("the second password\r\n"), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "rita", CancellationToken.None);
        Assert.That(exit, Is.Zero);
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "rita", Password), Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await ConsolePeople.PostLoginAsync(Fr, "rita", "the second password"), Is.EqualTo(HttpStatusCode.Redirect));
        var unknown = await new UsersResetCommand(new StringReader("the second password\n"), TextWriter.Null, TextWriter.Null)
            .RunAsync(Fr.ConnectionString, "nobody", CancellationToken.None);
        Assert.That(unknown, Is.EqualTo(ExitCodes.Failure));
    }

    [Test]
    public async Task UsersAdd_DatabaseTheNodeNeverRan_SaysSo()
    {
        var empty = await TestDatabase.CreateAsync("console_empty");
        var e = await AsyncAssert.ThrowsAsync<InvalidOperationException>(() => new UsersAddCommand(new StringReader(Password), TextWriter.Null, TextWriter.Null)
            .RunAsync(empty, "early", "auditor", CancellationToken.None));
        Assert.That(e!.Message, Does.Contain("start the node"));
    }

    [Test]
    public async Task Authorize_WithoutPkceOrWithForeignRedirect_Refused()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = Fr.Url };
        var redirect = Uri.EscapeDataString(new Uri(Fr.Url, "console/").AbsoluteUri);
        using var noPkce = await http.GetAsync($"connect/authorize?client_id=console&response_type=code&redirect_uri={redirect}&scope=audit.read&state=s1");
        var refusal = await noPkce.Content.ReadAsStringAsync();
        Assert.That((int)noPkce.StatusCode, Is.EqualTo(400), refusal);
        Assert.That(refusal, Does.Contain("code_challenge"), "PKCE is required (RFC 7636)");

        using var foreign = await http.GetAsync("connect/authorize?client_id=console&response_type=code&scope=audit.read" +
            $"&redirect_uri={Uri.EscapeDataString("http://evil.example/console/")}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256");
        Assert.That((int)foreign.StatusCode, Is.EqualTo(400), "never redirected to a URI the console client does not register");

        using var machine = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = "console",
        }));
        Assert.That((int)machine.StatusCode, Is.EqualTo(400), "the console client has no client credentials grant");
    }

    [Test]
    public void ClientNamedConsole_Configured_RefusedNamingTheSetting()
    {
        var options = new CrossBorder.Node.Configuration.NodeOptions { Clients = [new() { ClientId = "console", ClientSecret = Password, Scopes = ["audit.read"] }] };
        var result = new ConsoleClientNameValidator().Validate(null, options);
        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("Node:Clients:0:ClientId"));
    }

    [TestCase("console/")]
    [TestCase("console/app.js")]
    [TestCase("console/verify.js")]
    [TestCase("console/console.css")]
    [TestCase("console/login")]
    public async Task ConsolePages_ServedWithStrictContentSecurityPolicy(string path)
    {
        using var http = Fr.Anonymous();
        using var response = await http.GetAsync(path);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var csp = string.Join(", ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Multiple(() =>
        {
            Assert.That(csp, Does.StartWith("default-src 'self'"));
            Assert.That(csp, Does.Contain("script-src 'self';").And.Contain("style-src 'self';").And.Contain("frame-ancestors 'none'"));
            Assert.That(csp, Does.Not.Contain("unsafe-inline").And.Not.Contain("unsafe-eval").And.Not.Contain("http"));
            Assert.That(response.Headers.GetValues("X-Content-Type-Options"), Is.EqualTo(new[] { "nosniff" }));
        });
    }

    [Test]
    public async Task ConsoleFiles_NeedNothingFromOutside()
    {
        using var http = Fr.Anonymous();
        foreach (var file in new[] { "console/", "console/app.js", "console/audit.js", "console/ops.js", "console/console.css", "console/login" })
        {
            var text = await http.GetStringAsync(file);
            Assert.That(text, Does.Not.Match("(src|href)=\"(https?:)?//").And.Not.Match("url\\((https?:)?//").And.Not.Contain("@import"), file);
            Assert.That(text, Does.Not.Contain(" style=\"").And.Not.Contain("<script>"), $"{file}: nothing inline");
        }
    }

    [Test]
    public async Task LoginForm_WithoutAntiforgeryToken_Refused400AndNoSession()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = Fr.Url };
        using var response = await http.PostAsync("console/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "anyone",
            ["password"] = Password,
        }));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("crossborder-console=", StringComparison.Ordinal)),
            Is.False);
    }
}

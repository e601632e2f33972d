using System.Security.Claims;
using System.Text.Encodings.Web;
using CrossBorder.Node.Data;
using CrossBorder.Node.Http;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace CrossBorder.Node.Console;

/// <summary>
/// The node's own sign-in page for people: a plain HTML form (no script, no external asset), antiforgery-protected.
/// A success sets the sign-in cookie and goes back to the authorization request that asked for it.
/// </summary>
public static class LoginPage
{
    public const string Path = "/console/login";
    public const int MaxFormBytes = 8 * 1024;

    public static IEndpointRouteBuilder MapConsoleLogin(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            Page(http, antiforgery, SafeReturn(returnUrl), null, StatusCodes.Status200OK))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPost(Path, PostAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> PostAsync(HttpContext http, IAntiforgery antiforgery, ConsoleSignIn signIn, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
            return Problems.UnsupportedMediaType.Result(http, "Send the sign-in form as application/x-www-form-urlencoded.");
        if (http.Request.ContentLength is not { } length || length > MaxFormBytes)
            return Problems.PayloadTooLarge.Result(http, $"The sign-in form is at most {MaxFormBytes} bytes, with a Content-Length.");
        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return Problems.Validation.Result(http, "The sign-in form is stale or was not sent by this page: reload it and sign in again.");
        }
        var form = await http.Request.ReadFormAsync(ct);
        var returnUrl = SafeReturn(form["returnUrl"].ToString());
        var name = form["name"].ToString();
        var password = form["password"].ToString();
        if (name.Length is 0 or > ConsoleAccount.NameMaxLength || password.Length is 0 or > ConsoleSignIn.MaxPasswordLength)
        {
            await signIn.RefuseAsync(null, "bad_request", ct);
            return Page(http, antiforgery, returnUrl, "Enter your name and password.", StatusCodes.Status400BadRequest);
        }

        var account = await signIn.VerifyAsync(name, password, ct);
        if (account is null)
            // One answer for every refusal: a stranger learns neither which names exist nor which are locked.
            return Page(http, antiforgery, returnUrl,
                "Sign-in refused. Check your name and password; after repeated failures an account is locked for a while.",
                StatusCodes.Status401Unauthorized);

        var identity = new ClaimsIdentity([
            new Claim(ConsoleSetup.AccountClaim, account.Id.ToString()),
            new Claim(ConsoleSetup.StampClaim, account.SecurityStamp.ToString()),
        ], ConsoleSetup.CookieScheme);
        await http.SignInAsync(ConsoleSetup.CookieScheme, new ClaimsPrincipal(identity));
        return Results.Redirect(returnUrl);
    }

    /// <summary>Only this node's authorization endpoint, or the console: never an open redirect.</summary>
    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: <= 3000 } r && r.StartsWith("/" + ConsoleClient.AuthorizePath + "?", StringComparison.Ordinal)
            && !r.Contains('\\') && !r.Contains("//", StringComparison.Ordinal)
            ? r
            : ConsoleClient.Path;

    private static IResult Page(HttpContext http, IAntiforgery antiforgery, string returnUrl, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var e = HtmlEncoder.Default;
        var message = error is null ? "" : $"""<p class="error" role="alert" id="error">{e.Encode(error)}</p>""";
        ConsoleSetup.SecurityHeaders(http.Response);
        http.Response.Headers.CacheControl = "no-store";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in - CrossBorder console</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/console/console.css">
            </head>
            <body class="login">
            <main>
            <h1>CrossBorder console</h1>
            <form method="post" action="{Path}" class="card">
            <h2>Sign in</h2>
            {message}
            <input type="hidden" name="{e.Encode(tokens.FormFieldName)}" value="{e.Encode(tokens.RequestToken ?? "")}">
            <input type="hidden" name="returnUrl" value="{e.Encode(returnUrl)}">
            <label for="name">Name</label>
            <input id="name" name="name" autocomplete="username" required maxlength="{ConsoleAccount.NameMaxLength}" autofocus>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="{ConsoleSignIn.MaxPasswordLength}">
            <button type="submit" id="sign-in">Sign in</button>
            </form>
            </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}

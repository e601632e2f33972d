using CrossBorder.Node.Hosting;

SocketCompletions.PreferInline(); // before anything opens a socket: the runtime reads it once (Hosting/SocketCompletions)

// The container's HEALTHCHECK and the migrations job (Database:Migrate=only) run the node's assembly and exit.
if (args is [HealthProbe.Command, .. var probe])
    return await HealthProbe.RunAsync(probe);
if (await DatabaseMigration.RunIfOnlyAsync(args) is { } exitCode)
    return exitCode;

var app = NodeApplication.Build(args);
await app.InitializeAsync();
await app.RunAsync();
return 0;

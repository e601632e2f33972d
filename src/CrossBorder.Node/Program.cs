using CrossBorder.Node.Hosting;

var app = NodeApplication.Build(args);
await app.InitializeAsync();
await app.RunAsync();

using System.Text.Json.Serialization;

namespace CrossBorder.Core.Signing;

[JsonSerializable(typeof(JwsHeader))]
[JsonSerializable(typeof(JsonWebKeySet))]
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class JwsJson : JsonSerializerContext;

using System.Text.Json;
using System.Text.Json.Serialization;

namespace CrossBorder.Core.Referrals;

/// <summary>
/// <see cref="JsonStringEnumConverter{TEnum}"/> that refuses integers (<c>1</c> or <c>"1"</c>) as well as
/// unknown names. <c>[JsonConverter]</c> on a type can only call a parameterless constructor, and the
/// generic converter's one allows integers, hence this subclass.
/// </summary>
/// <remarks>
/// Names are written exactly as the enum members are spelled (the wire codes). On reading, the
/// base converter also accepts a different letter case (<c>"dublin_iii_art8"</c>) and normalises it;
/// it offers no switch to turn that off.
/// </remarks>
public sealed class StrictStringEnumConverter<TEnum> : JsonStringEnumConverter<TEnum>
    where TEnum : struct, Enum
{
    /// <summary>Creates the converter: member names as written, no integer values.</summary>
    public StrictStringEnumConverter()
        : base(namingPolicy: null, allowIntegerValues: false)
    {
    }
}

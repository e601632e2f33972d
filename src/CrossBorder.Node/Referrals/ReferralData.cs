using System.Text.Json;
using CrossBorder.Core.Referrals;
using CrossBorder.Node.Data;
using CrossBorder.Node.Keys;
namespace CrossBorder.Node.Referrals;

/// <summary>Seals and opens a referral's personal data under its own data key.</summary>
public static class ReferralData
{
    private const string Column = "personal_data";

    public static byte[] Seal(NodeKeys keys, Referral referral, ReferralDocument document) =>
        keys.Cipher.Encrypt(referral.WrappedDataKey, referral.Id, Column, JsonSerializer.SerializeToUtf8Bytes(document, ReferralJson.Options));

    public static ReferralDocument Open(NodeKeys keys, Referral referral) =>
        JsonSerializer.Deserialize<ReferralDocument>(keys.Cipher.Decrypt(referral.WrappedDataKey, referral.Id, Column, referral.PersonalData),
            ReferralJson.Options)!;
}

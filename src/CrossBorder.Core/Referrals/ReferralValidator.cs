namespace CrossBorder.Core.Referrals;

/// <summary>
/// Validates a <see cref="ReferralDocument"/>: every DataAnnotation in the object graph plus the
/// rules that span fields. Reports every bad field at once, keyed by JSON path
/// (<c>child.dateOfBirth</c>, <c>familyMembers[0].consent.givenOn</c>, <c>child.nationalities[1]</c>),
/// with short messages that never repeat the submitted value (no personal data in errors or logs).
/// </summary>
public static class ReferralValidator
{
    private const string InFuture = "Must not be in the future.";

    /// <summary>
    /// Returns the errors by JSON path; empty when the document is valid.
    /// The result can be handed to <c>TypedResults.ValidationProblem</c> as it is.
    /// </summary>
    /// <param name="doc">The document, as deserialized with <see cref="ReferralJson.Options"/> or built in code.</param>
    /// <param name="today">The node's current date, for the "not in the future" and age rules.</param>
    /// <param name="allowedRequestedStates">ISO 3166-1 alpha-2 codes of the states this node may refer to (upper case).</param>
    public static IReadOnlyDictionary<string, string[]> Validate(
        ReferralDocument doc, DateOnly today, IReadOnlySet<string> allowedRequestedStates)
    {
        ArgumentNullException.ThrowIfNull(doc);
        ArgumentNullException.ThrowIfNull(allowedRequestedStates);

        var errors = new ValidationErrors();
        AnnotationWalker.Walk(doc, "", errors);

        CheckCase(doc, today, allowedRequestedStates, errors);
        if (doc.Child is { } child)
        {
            CheckChild(child, doc.ApplicationLodgedOn, today, errors);
        }

        CheckFamilyMembers(doc, today, errors);
        if (doc.BestInterests is { } bestInterests && bestInterests.AssessedOn > today)
        {
            errors.Add("bestInterests.assessedOn", InFuture);
        }

        return errors.ToDictionary();
    }

    private static void CheckCase(
        ReferralDocument doc, DateOnly today, IReadOnlySet<string> allowedRequestedStates, ValidationErrors errors)
    {
        if (doc.ApplicationLodgedOn > today)
        {
            errors.Add("applicationLodgedOn", InFuture);
        }

        if (doc.RequestedState is { } requested && !errors.Has("requestedState")
            && !allowedRequestedStates.Contains(requested))
        {
            errors.Add("requestedState", "Not a state this node can refer to.");
        }

        if (doc.Urgent is { IsUrgent: true } urgent && string.IsNullOrWhiteSpace(urgent.Reason))
        {
            errors.Add("urgent.reason", "Required when isUrgent is true.");
        }
    }

    private static void CheckChild(Child child, DateOnly lodgedOn, DateOnly today, ValidationErrors errors)
    {
        if (child.DateOfBirth > today)
        {
            errors.Add("child.dateOfBirth", InFuture);
        }
        else if (child.DateOfBirth > lodgedOn)
        {
            errors.Add("child.dateOfBirth", "Must not be after applicationLodgedOn.");
        }
        else if (EighteenthBirthday(child.DateOfBirth) <= lodgedOn)
        {
            errors.Add("child.dateOfBirth", "The child must be under 18 on applicationLodgedOn.");
        }

        ForEach(child.Nationalities, "child.nationalities", (code, path) =>
        {
            if (!errors.Has(path) && !CountryCodes.IsAlpha3(code))
            {
                errors.Add(path, "Not an ISO 3166-1 alpha-3 country code.");
            }
        });

        ForEach(child.Languages, "child.languages", (code, path) =>
        {
            if (!errors.Has(path) && !LanguageCodes.IsValid(code))
            {
                errors.Add(path, "Reserved for local use (qaa-qtz); not an ISO 639-3 language code.");
            }
        });

        ForEach(child.IdentityDocuments, "child.identityDocuments", (document, path) =>
        {
            if (document.IssuingCountry is { } country && !errors.Has($"{path}.issuingCountry")
                && !CountryCodes.IsAlpha3(country))
            {
                errors.Add($"{path}.issuingCountry", "Not an ISO 3166-1 alpha-3 country code.");
            }

            if (document.IssuedOn > today)
            {
                errors.Add($"{path}.issuedOn", InFuture);
            }
        });

        if (child.AgeAssessment is { Performed: true } assessment)
        {
            if (assessment.Method is null)
            {
                errors.Add("child.ageAssessment.method", "Required when performed is true.");
            }

            if (assessment.Result is null)
            {
                errors.Add("child.ageAssessment.result", "Required when performed is true.");
            }
        }
    }

    private static void CheckFamilyMembers(ReferralDocument doc, DateOnly today, ValidationErrors errors)
    {
        // Dublin III Art. 8 and the bilateral arrangements make the carer's written consent a
        // condition of the take-charge request; section 67 and humanitarian referrals do not.
        var consentNeeded = doc.LegalBasis is LegalBasis.DUBLIN_III_ART8 or LegalBasis.BILATERAL_FAMILY_REUNIFICATION;

        ForEach(doc.FamilyMembers, "familyMembers", (member, path) =>
        {
            if (member.DateOfBirth > today)
            {
                errors.Add($"{path}.dateOfBirth", InFuture);
            }

            if (member.Address?.Country is { } country && !errors.Has($"{path}.address.country")
                && !CountryCodes.IsAlpha2(country))
            {
                errors.Add($"{path}.address.country", "Not an ISO 3166-1 alpha-2 country code.");
            }

            if (member.Consent?.GivenOn > today)
            {
                errors.Add($"{path}.consent.givenOn", InFuture);
            }

            if (consentNeeded && member.WillingToCare)
            {
                CheckConsentGiven(member.Consent, $"{path}.consent", errors);
            }
        });
    }

    private static void CheckConsentGiven(Consent? consent, string path, ValidationErrors errors)
    {
        const string needed = "Written consent is required for a family member willing to care under this legal basis.";
        if (consent is null)
        {
            errors.Add(path, needed);
            return;
        }

        if (!consent.Given)
        {
            errors.Add($"{path}.given", needed);
        }

        if (consent.GivenOn is null)
        {
            errors.Add($"{path}.givenOn", "Required when consent is required.");
        }

        if (string.IsNullOrWhiteSpace(consent.DocumentReference))
        {
            errors.Add($"{path}.documentReference", "Required when consent is required.");
        }
    }

    /// <summary>
    /// The day the child turns 18. A child born on 29 February turns 18 on 1 March in a common
    /// year (not 28 February as <see cref="DateOnly.AddYears"/> would say), so a borderline
    /// referral is never refused a day early.
    /// </summary>
    private static DateOnly EighteenthBirthday(DateOnly dateOfBirth)
    {
        var birthday = dateOfBirth.AddYears(18);
        return dateOfBirth is { Month: 2, Day: 29 } && birthday.Day == 28 ? birthday.AddDays(1) : birthday;
    }

    // Lists may be null or hold nulls when built in code; the walker already reported those.
    private static void ForEach<T>(IReadOnlyList<T>? items, string path, Action<T, string> check)
        where T : class
    {
        if (items is null)
        {
            return;
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { } item)
            {
                check(item, $"{path}[{i}]");
            }
        }
    }
}

using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    public partial class EraseUnfinishedTransfers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // An erasure removes a peer's unfinished transfers of the case instead of listing them as erased documents
            // with no type or digest (review of the attachments: they broke the list's schema and were never swept).
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION erase_referral(p_referral uuid, p_audit_id uuid, p_client text, p_reason text)
                RETURNS timestamptz LANGUAGE plpgsql AS $$
                DECLARE
                    v_erased timestamptz;
                    v_now timestamptz := date_trunc('milliseconds', clock_timestamp());
                BEGIN
                    SELECT erased_at INTO v_erased FROM referrals WHERE id = p_referral FOR UPDATE;
                    IF NOT FOUND THEN
                        RETURN NULL;
                    END IF;
                    IF v_erased IS NOT NULL THEN
                        RETURN v_erased;
                    END IF;
                    -- Its waiting messages next (a claim skips locked rows), then: none may be out with the peer right
                    -- now, or it would arrive after the erasure while this node records a dead letter. Try again shortly.
                    PERFORM 1 FROM messages WHERE referral_id = p_referral AND direction = 'outgoing' AND state = 'queued'
                    FOR UPDATE;
                    IF EXISTS (SELECT 1 FROM messages WHERE referral_id = p_referral AND direction = 'outgoing'
                               AND state = 'queued' AND lease_token IS NOT NULL AND lease_until > clock_timestamp()) THEN
                        RAISE EXCEPTION 'a message of this case is being delivered; erase again in a few seconds'
                            USING ERRCODE = '55006';
                    END IF;
                    UPDATE referrals SET data_key = '\x', personal_data = '\x', erased_at = v_now, updated_at = v_now,
                                         version = version + 1
                    WHERE id = p_referral;
                    UPDATE messages SET state = 'dead_letter', last_error = 'case erased', lease_token = NULL,
                                        lease_until = NULL, next_attempt_at = NULL
                    WHERE referral_id = p_referral AND direction = 'outgoing' AND state = 'queued';
                    UPDATE messages SET jws = '\x' WHERE referral_id = p_referral;
                    -- The documents' content goes too (the destroyed data key already made it unreadable); their
                    -- metadata and digests stay, as the signed messages that name them do.
                    -- A peer's transfer still arriving is no document yet: it goes whole (its chunks with it).
                    DELETE FROM attachments WHERE referral_id = p_referral AND state = 'receiving';
                    DELETE FROM attachment_chunks c USING attachments a
                    WHERE c.attachment_id = a.id AND a.referral_id = p_referral;
                    UPDATE attachments SET state = 'erased' WHERE referral_id = p_referral;
                    INSERT INTO audit_pending (id, recorded_at, kind, client_id, referral_id, detail)
                    VALUES (p_audit_id, v_now, 'referral.erased', left(p_client, 100), p_referral, left(p_reason, 200));
                    RETURN v_now;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Attachments.EraseReferral); // the version this migration replaced
        }
    }
}

using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    [DbContext(typeof(NodeDbContext))]
    [Migration("20261129210643_RetentionAndKeyRotation")]
    public partial class RetentionAndKeyRotation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "closed_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "erased_at",
                table: "referrals",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "kek_id",
                table: "referrals",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "k0");

            migrationBuilder.CreateIndex(
                name: "IX_referrals_kek_id_id",
                table: "referrals",
                columns: new[] { "kek_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_referrals_retention",
                table: "referrals",
                column: "closed_at",
                filter: "closed_at IS NOT NULL AND erased_at IS NULL");

            // Cases closed before this migration: their retention runs from their last change.
            migrationBuilder.Sql("""
                UPDATE referrals SET closed_at = updated_at
                WHERE status IN ('REFUSED_FINAL', 'TRANSFERRED', 'TRANSFER_EXPIRED', 'WITHDRAWN')
                """);

            // Crypto-shredding of one case, shared by the node's retention job and the operator's
            // `crossborder referrals erase`: the data key, personal data and message texts go; metadata, digests,
            // receipts and the audit log stay; what was still queued for the peer is dead-lettered. The referral row
            // is locked first (docs/architecture.md, "Locks"). Returns the erasure time; null for an unknown case.
            migrationBuilder.Sql("""
                CREATE FUNCTION erase_referral(p_referral uuid, p_audit_id uuid, p_client text, p_reason text)
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
                    INSERT INTO audit_pending (id, recorded_at, kind, client_id, referral_id, detail)
                    VALUES (p_audit_id, v_now, 'referral.erased', left(p_client, 100), p_referral, left(p_reason, 200));
                    RETURN v_now;
                END $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION erase_referral(uuid, uuid, text, text)");

            migrationBuilder.DropIndex(
                name: "IX_referrals_kek_id_id",
                table: "referrals");

            migrationBuilder.DropIndex(
                name: "ix_referrals_retention",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "closed_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "erased_at",
                table: "referrals");

            migrationBuilder.DropColumn(
                name: "kek_id",
                table: "referrals");
        }
    }
}

using CrossBorder.Node.Data;
using Microsoft.EntityFrameworkCore.Infrastructure;
using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CrossBorder.Node.Data.Migrations
{
    /// <inheritdoc />
    [DbContext(typeof(NodeDbContext))]
    [Migration("20261129225430_Attachments")]
    public partial class Attachments : Migration
    {
        /// <summary>The erase_referral this migration installs (EraseUnfinishedTransfers' Down puts it back).</summary>
        internal const string EraseReferral = """
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
                    DELETE FROM attachment_chunks c USING attachments a
                    WHERE c.attachment_id = a.id AND a.referral_id = p_referral;
                    UPDATE attachments SET state = 'erased' WHERE referral_id = p_referral;
                    INSERT INTO audit_pending (id, recorded_at, kind, client_id, referral_id, detail)
                    VALUES (p_audit_id, v_now, 'referral.erased', left(p_client, 100), p_referral, left(p_reason, 200));
                    RETURN v_now;
                END $$;
                """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "attachments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    referral_id = table.Column<Guid>(type: "uuid", nullable: false),
                    origin = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    media_type = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    chunk_count = table.Column<int>(type: "integer", nullable: false),
                    received_bytes = table.Column<long>(type: "bigint", nullable: false),
                    message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    step_message_id = table.Column<Guid>(type: "uuid", nullable: true),
                    created_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_attachments", x => x.id);
                    table.ForeignKey(
                        name: "FK_attachments_referrals_referral_id",
                        column: x => x.referral_id,
                        principalTable: "referrals",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "attachment_chunks",
                columns: table => new
                {
                    attachment_id = table.Column<Guid>(type: "uuid", nullable: false),
                    chunk_index = table.Column<int>(type: "integer", nullable: false),
                    plain_offset = table.Column<long>(type: "bigint", nullable: false),
                    ciphertext = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_attachment_chunks", x => new { x.attachment_id, x.chunk_index });
                    table.ForeignKey(
                        name: "FK_attachment_chunks_attachments_attachment_id",
                        column: x => x.attachment_id,
                        principalTable: "attachments",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_attachments_message_id",
                table: "attachments",
                column: "message_id");

            migrationBuilder.CreateIndex(
                name: "IX_attachments_referral_id_id",
                table: "attachments",
                columns: new[] { "referral_id", "id" });
            // An upload writes its chunks first and its attachment row last, once it holds the referral row (UploadAttachment).
            migrationBuilder.Sql("""
                ALTER TABLE attachment_chunks ALTER CONSTRAINT "FK_attachment_chunks_attachments_attachment_id"
                    DEFERRABLE INITIALLY DEFERRED
                """);

            // erase_referral (migration RetentionAndKeyRotation) also deletes the case's attachment chunks.
            migrationBuilder.Sql(EraseReferral);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
                    INSERT INTO audit_pending (id, recorded_at, kind, client_id, referral_id, detail)
                    VALUES (p_audit_id, v_now, 'referral.erased', left(p_client, 100), p_referral, left(p_reason, 200));
                    RETURN v_now;
                END $$;
                """);

            migrationBuilder.DropTable(
                name: "attachment_chunks");

            migrationBuilder.DropTable(
                name: "attachments");
        }
    }
}

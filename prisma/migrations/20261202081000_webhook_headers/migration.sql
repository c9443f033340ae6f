-- Custom headers of a webhook: names in clear (they are answered), the name → value map sealed
-- like the mutual secret (values are answered masked and never leave the database otherwise).

-- AlterTable
ALTER TABLE "webhooks" ADD COLUMN "header_names" TEXT[] DEFAULT ARRAY[]::TEXT[];
ALTER TABLE "webhooks" ADD COLUMN "encrypted_headers" TEXT;

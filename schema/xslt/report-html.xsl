<?xml version="1.0" encoding="UTF-8"?>
<!--
  report-html.xsl - a printable key report of a kmsxchg exchange document
  (native XML, urn:kmsxchg:xml:ns:1): what a key custodian checks and signs
  at a key ceremony or on acceptance.  It shows identities, algorithms,
  usage, validity, state, GP card fields, export restrictions, the
  transport keys and every KCV with its method.  It never selects a key
  value: Value/Data, Value/Clear and Component/Wrapped are not read.

  Used by `kmsxchg show` with format html (compiled into libkmsxchg and run
  with libxslt's file and network access forbidden).
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:kx="urn:kmsxchg:xml:ns:1"
    exclude-result-prefixes="kx">

  <xsl:output method="html" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/kx:KeyExchange">
    <html lang="en">
      <head>
        <meta charset="UTF-8"/>
        <title>Key report <xsl:value-of select="kx:Header/kx:Id"/></title>
        <style>
          body { font-family: sans-serif; margin: 2em; }
          table { border-collapse: collapse; margin-bottom: 1.5em; }
          th, td { border: 1px solid #888; padding: 0.3em 0.6em;
                   text-align: left; vertical-align: top; }
          th { background: #eee; }
          .kcv { font-family: monospace; font-weight: bold; }
          .sign td { height: 2.5em; min-width: 12em; }
        </style>
      </head>
      <body>
        <h1>Key report <xsl:value-of select="kx:Header/kx:Id"/></h1>
        <table>
          <tr><th>Created</th><td><xsl:value-of select="kx:Header/kx:Created"/></td></tr>
          <tr><th>Sender</th><td><xsl:value-of select="kx:Header/kx:Sender"/></td></tr>
          <tr><th>Recipient</th><td>
            <xsl:for-each select="kx:Header/kx:Recipient">
              <xsl:if test="position() &gt; 1">, </xsl:if>
              <xsl:value-of select="."/>
            </xsl:for-each>
          </td></tr>
          <tr><th>Comment</th><td><xsl:value-of select="kx:Header/kx:Comment"/></td></tr>
        </table>

        <xsl:if test="kx:TransportKey">
          <h2>Transport keys</h2>
          <table>
            <tr><th>Id</th><th>Algorithm</th><th>KCV</th><th>Components</th></tr>
            <xsl:apply-templates select="kx:TransportKey"/>
          </table>
        </xsl:if>

        <h2>Keys (<xsl:value-of select="count(kx:Key)"/>)</h2>
        <table>
          <tr>
            <th>Id / name</th><th>Algorithm</th><th>Usage</th><th>Role</th>
            <th>GP</th><th>Validity</th><th>State</th><th>Export</th>
            <th>Value</th><th>KCV</th>
          </tr>
          <xsl:apply-templates select="kx:Key"/>
        </table>

        <h2>Checked</h2>
        <table class="sign">
          <tr><th>Name</th><th>Role</th><th>Date</th><th>Signature</th></tr>
          <tr><td/><td/><td/><td/></tr>
          <tr><td/><td/><td/><td/></tr>
        </table>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="kx:TransportKey">
    <tr>
      <td><xsl:value-of select="kx:Id"/></td>
      <td><xsl:value-of select="concat(kx:Algorithm, '/', kx:LengthBits)"/></td>
      <td><xsl:call-template name="kcv"/></td>
      <td>
        <xsl:for-each select="kx:Components">
          <xsl:value-of select="concat(kx:N, ' (', kx:Method, ')')"/>
          <xsl:for-each select="kx:Kcv">
            <br/><xsl:value-of select="concat('#', position(), ' ')"/>
            <span class="kcv"><xsl:value-of select="."/></span>
          </xsl:for-each>
        </xsl:for-each>
      </td>
    </tr>
  </xsl:template>

  <xsl:template match="kx:Key">
    <xsl:variable name="p" select="kx:Profile"/>
    <tr>
      <td><xsl:value-of select="$p/kx:Id"/><br/><xsl:value-of select="$p/kx:Name"/></td>
      <td><xsl:value-of select="concat($p/kx:Class, ' ', $p/kx:Algorithm, '/', $p/kx:LengthBits)"/></td>
      <td>
        <xsl:for-each select="$p/kx:Usage">
          <xsl:if test="position() &gt; 1">, </xsl:if>
          <xsl:value-of select="."/>
        </xsl:for-each>
      </td>
      <td><xsl:value-of select="$p/kx:Role"/></td>
      <td>
        <xsl:for-each select="$p/kx:Gp">
          <xsl:if test="kx:KeyType"><xsl:value-of select="concat('type ', kx:KeyType, ' ')"/></xsl:if>
          <xsl:if test="kx:Kvn"><xsl:value-of select="concat('KVN ', kx:Kvn, ' ')"/></xsl:if>
          <xsl:if test="kx:Kid"><xsl:value-of select="concat('KID ', kx:Kid, ' ')"/></xsl:if>
          <xsl:if test="kx:Kuq"><xsl:value-of select="concat('KUQ ', kx:Kuq, ' ')"/></xsl:if>
          <xsl:if test="kx:Scp">
            <xsl:value-of select="concat(kx:Scp/kx:Protocol, ' i=', kx:Scp/kx:I)"/>
          </xsl:if>
        </xsl:for-each>
      </td>
      <td>
        <xsl:value-of select="concat($p/kx:NotBefore, ' .. ', $p/kx:NotAfter)"/>
      </td>
      <td><xsl:value-of select="concat($p/kx:State, ' (', $p/kx:Mode, ')')"/></td>
      <td>
        <xsl:choose>
          <xsl:when test="$p/kx:Export/kx:Allowed = 'true'">
            <xsl:text>allowed</xsl:text>
            <xsl:for-each select="$p/kx:Export/kx:Form">
              <xsl:value-of select="concat(' ', .)"/>
            </xsl:for-each>
            <xsl:for-each select="$p/kx:Export/kx:Destination">
              <br/><xsl:value-of select="concat('to ', .)"/>
            </xsl:for-each>
          </xsl:when>
          <xsl:otherwise>not exportable</xsl:otherwise>
        </xsl:choose>
      </td>
      <td>
        <xsl:value-of select="kx:Value/kx:Form"/>
        <xsl:if test="kx:Value/kx:Algorithm">
          <xsl:value-of select="concat(' ', kx:Value/kx:Algorithm)"/>
        </xsl:if>
        <xsl:if test="kx:Value/kx:KekId">
          <xsl:value-of select="concat(' under ', kx:Value/kx:KekId)"/>
        </xsl:if>
      </td>
      <td><xsl:call-template name="kcv"/></td>
    </tr>
  </xsl:template>

  <xsl:template name="kcv">
    <xsl:if test="kx:Kcv">
      <span class="kcv"><xsl:value-of select="kx:Kcv"/></span>
      <xsl:value-of select="concat(' (', kx:KcvMethod, ')')"/>
    </xsl:if>
  </xsl:template>
</xsl:stylesheet>
